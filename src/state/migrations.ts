// Numbered schema migrations, applied in order at start. Append only: never edit a shipped one.
export const migrations: string[] = [
  `
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    token_hash TEXT NOT NULL UNIQUE,
    is_admin INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE apps (
    id TEXT PRIMARY KEY,
    number INTEGER NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE,
    owner_id TEXT NOT NULL REFERENCES users(id),
    stack TEXT NOT NULL,
    maintenance INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE collaborators (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    UNIQUE (app_id, user_id)
  );
  CREATE TABLE slugs (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    size INTEGER NOT NULL,
    process_types TEXT NOT NULL,
    buildpacks TEXT NOT NULL,
    commit_sha TEXT,
    stack TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE releases (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    description TEXT NOT NULL,
    slug_id TEXT REFERENCES slugs(id),
    config TEXT NOT NULL,
    user_id TEXT NOT NULL,
    user_email TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (app_id, version)
  );
  `,
  `
  CREATE TABLE formation (
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    size TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (app_id, type)
  );
  CREATE TABLE builds (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    source_version TEXT,
    source_url TEXT,
    slug_id TEXT,
    release_id TEXT,
    buildpacks TEXT NOT NULL DEFAULT '[]',
    user_id TEXT NOT NULL,
    user_email TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE buildpack_installations (
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    url TEXT NOT NULL,
    PRIMARY KEY (app_id, ordinal)
  );
  CREATE TABLE domains (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    hostname TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE log_drains (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (app_id, url)
  );
  CREATE TABLE cron_jobs (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    command TEXT NOT NULL,
    schedule TEXT NOT NULL,
    timezone TEXT,
    origin TEXT NOT NULL,
    timeout_seconds INTEGER,
    last_run_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE sni_endpoints (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    certificate_chain TEXT NOT NULL,
    private_key TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE app_features (
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    PRIMARY KEY (app_id, name)
  );
  `,
  `
  CREATE TABLE acm_apps (
    app_id TEXT PRIMARY KEY REFERENCES apps(id) ON DELETE CASCADE,
    enabled_at TEXT NOT NULL
  );
  CREATE TABLE acm_domains (
    domain_id TEXT PRIMARY KEY REFERENCES domains(id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    reason TEXT,
    failures INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    certificate_chain TEXT,
    private_key TEXT,
    expires_at INTEGER,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE acme_accounts (
    directory_url TEXT PRIMARY KEY,
    account_key TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  `,
];
