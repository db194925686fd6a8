// autocomplete: prints a bash or zsh completion script for every command (from the static registry).
import type { Command } from "commander";
import type { CliContext } from "../context.ts";
import { CliError } from "../output.ts";

export function completionScript(shell: string, commands: string[]): string {
  const words = commands.join(" ");
  if (shell === "bash") {
    return `# slipway completion for bash: eval "$(slipway autocomplete bash)"
_slipway() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  if [ "$COMP_CWORD" -eq 1 ]; then COMPREPLY=( $(compgen -W "${words}" -- "$cur") ); fi
}
complete -o default -F _slipway slipway
`;
  }
  if (shell === "zsh") {
    return `# slipway completion for zsh: eval "$(slipway autocomplete zsh)"
_slipway() { (( CURRENT == 2 )) && compadd -- ${words}; }
compdef _slipway slipway
`;
  }
  throw new CliError(`Unsupported shell ${shell}: use bash or zsh.`);
}

export function registerAutocompleteCommand(program: Command, ctx: CliContext): void {
  program.command("autocomplete [shell]").description("print shell completion (bash or zsh): eval \"$(slipway autocomplete bash)\"")
    .action((shell: string | undefined) => {
      const names = program.commands.flatMap((c) => [c.name(), ...c.aliases()]).sort();
      ctx.output.out(completionScript(shell ?? (process.env.SHELL?.endsWith("zsh") ? "zsh" : "bash"), names));
    });
}
