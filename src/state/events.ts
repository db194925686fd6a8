// The few named events subsystems react to, instead of calling into each other's insides.
import type { App } from "./apps.ts";
import type { Release } from "./releases.ts";

export interface PlatformEvents {
  /** A release became the app's live one (deploy, config change, rollback). */
  released: { app: App; release: Release };
  /** An app and its records are gone; subsystems drop what they hold for it. */
  appDestroyed: { app: App };
  /** Maintenance mode, renames and similar app changes that routing cares about. */
  appChanged: { app: App };
}

type Listener<K extends keyof PlatformEvents> = (event: PlatformEvents[K]) => void | Promise<void>;

export class EventBus {
  private listeners = new Map<keyof PlatformEvents, Listener<never>[]>();

  on<K extends keyof PlatformEvents>(name: K, listener: Listener<K>): void {
    const list = this.listeners.get(name) ?? [];
    list.push(listener as Listener<never>);
    this.listeners.set(name, list);
  }

  /** Runs every listener; one listener's failure is reported and does not stop the others. */
  async emit<K extends keyof PlatformEvents>(name: K, event: PlatformEvents[K]): Promise<void> {
    for (const listener of (this.listeners.get(name) ?? []) as Listener<K>[]) {
      try {
        await listener(event);
      } catch (error) {
        console.error(`slipway: ${name} listener failed: ${(error as Error).message}`);
      }
    }
  }
}
