"""The schema, as an append-only list of migrations; ``PRAGMA user_version`` counts those applied.

Never edit a migration that has shipped: append a new one. Timestamps are stored as the exact
strings Canvas emits (UTC, ``YYYY-MM-DDTHH:MM:SSZ``); JSON columns hold orjson text.
"""

CORE = """
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    root_account_id INTEGER REFERENCES accounts(id),      -- NULL for a root account
    parent_account_id INTEGER REFERENCES accounts(id),
    name TEXT NOT NULL,
    sis_source_id TEXT,
    integration_id TEXT,
    workflow_state TEXT NOT NULL DEFAULT 'active',
    allow_sis_import INTEGER NOT NULL DEFAULT 1,
    sis_batch_id INTEGER,
    stuck_sis_fields TEXT NOT NULL DEFAULT '',           -- comma-separated field names
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX accounts_sis_source_id ON accounts(root_account_id, sis_source_id)
    WHERE sis_source_id IS NOT NULL;
CREATE UNIQUE INDEX accounts_integration_id ON accounts(root_account_id, integration_id)
    WHERE integration_id IS NOT NULL;

-- Every file the service keeps: uploads, the CSVs found in them, generated error files.
CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL,                                   -- the download verifier
    display_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    path TEXT NOT NULL,                                   -- relative to the data directory
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE sis_imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    workflow_state TEXT NOT NULL,
    progress INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    started_at TEXT,
    ended_at TEXT,
    updated_at TEXT NOT NULL,
    upload_file_id INTEGER NOT NULL REFERENCES files(id),
    options TEXT NOT NULL,                                -- the echoed option keys of section 4
    data TEXT NOT NULL,                                   -- the "data" object of section 4.1
    errors_file_id INTEGER REFERENCES files(id),
    csv_file_ids TEXT NOT NULL DEFAULT '[]',
    error_count INTEGER NOT NULL DEFAULT 0,
    warning_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sis_imports_account ON sis_imports(account_id, id);
CREATE INDEX sis_imports_pending ON sis_imports(workflow_state)
    WHERE workflow_state IN ('created', 'importing', 'cleanup_batch');

CREATE TABLE sis_import_errors (
    id INTEGER PRIMARY KEY,
    sis_import_id INTEGER NOT NULL REFERENCES sis_imports(id),
    account_id INTEGER NOT NULL,
    file TEXT,
    message TEXT NOT NULL,
    row INTEGER,
    row_info TEXT,
    failure INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX sis_import_errors_import ON sis_import_errors(sis_import_id, failure, id);
CREATE INDEX sis_import_errors_account ON sis_import_errors(account_id, failure, id);

CREATE TABLE outcome_imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    context_type TEXT NOT NULL,                           -- 'Account' or 'Course'
    context_id INTEGER NOT NULL,
    root_account_id INTEGER NOT NULL REFERENCES accounts(id),
    learning_outcome_group_id INTEGER,                    -- stored unvalidated, as Canvas does
    workflow_state TEXT NOT NULL,
    progress INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    started_at TEXT,
    ended_at TEXT,
    updated_at TEXT NOT NULL,
    upload_file_id INTEGER NOT NULL REFERENCES files(id),
    data TEXT NOT NULL
);
CREATE INDEX outcome_imports_context ON outcome_imports(context_type, context_id, id);
CREATE INDEX outcome_imports_pending ON outcome_imports(workflow_state)
    WHERE workflow_state IN ('created', 'importing');

CREATE TABLE outcome_import_errors (
    id INTEGER PRIMARY KEY,
    outcome_import_id INTEGER NOT NULL REFERENCES outcome_imports(id),
    row INTEGER NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX outcome_import_errors_import ON outcome_import_errors(outcome_import_id, row, id);
"""

MIGRATIONS: list[str] = [CORE]
