"""The schema, as an append-only list of migrations; ``PRAGMA user_version`` counts those applied.

Never edit a migration that has shipped: append a new one. Timestamps are stored as the exact
strings Canvas emits (UTC, ``YYYY-MM-DDTHH:MM:SSZ``); JSON columns hold orjson text.
"""

import re

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

# The objects SIS CSVs create (section 9), one table per kind, and the roll-back records that
# data.statistics and restore_states read (sections 4.2 and 8). Every SIS-managed row carries the
# import that last touched it (sis_batch_id, deliberately without a foreign key so objects outlive
# purged imports) and its sticky fields (section 7.3). Sub-accounts live in CORE's accounts table.
SIS_OBJECTS = """
CREATE INDEX accounts_parent ON accounts(parent_account_id, workflow_state);

CREATE TABLE enrollment_terms (
    id INTEGER PRIMARY KEY,
    root_account_id INTEGER NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    sis_source_id TEXT,
    integration_id TEXT,
    workflow_state TEXT NOT NULL DEFAULT 'active',
    start_at TEXT,
    end_at TEXT,
    is_default INTEGER NOT NULL DEFAULT 0,                -- Canvas's "Default Term" of the account
    sis_batch_id INTEGER,
    stuck_sis_fields TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX enrollment_terms_sis_source_id ON enrollment_terms(root_account_id, sis_source_id)
    WHERE sis_source_id IS NOT NULL;
CREATE UNIQUE INDEX enrollment_terms_integration_id ON enrollment_terms(root_account_id, integration_id)
    WHERE integration_id IS NOT NULL;

-- Per-role date overrides of a term (terms.csv date_override_enrollment_type).
CREATE TABLE enrollment_dates_overrides (
    enrollment_term_id INTEGER NOT NULL REFERENCES enrollment_terms(id),
    enrollment_type TEXT NOT NULL,
    start_at TEXT,
    end_at TEXT,
    sis_batch_id INTEGER,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (enrollment_term_id, enrollment_type)
) WITHOUT ROWID;

CREATE TABLE abstract_courses (
    id INTEGER PRIMARY KEY,
    root_account_id INTEGER NOT NULL REFERENCES accounts(id),
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    enrollment_term_id INTEGER REFERENCES enrollment_terms(id),
    sis_source_id TEXT,
    integration_id TEXT,
    short_name TEXT,
    name TEXT,
    workflow_state TEXT NOT NULL DEFAULT 'active',
    sis_batch_id INTEGER,
    stuck_sis_fields TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX abstract_courses_sis_source_id ON abstract_courses(root_account_id, sis_source_id)
    WHERE sis_source_id IS NOT NULL;

CREATE TABLE courses (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL,
    root_account_id INTEGER NOT NULL REFERENCES accounts(id),
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    enrollment_term_id INTEGER REFERENCES enrollment_terms(id),
    abstract_course_id INTEGER REFERENCES abstract_courses(id),
    sis_source_id TEXT,
    integration_id TEXT,
    name TEXT NOT NULL,                                   -- long_name
    course_code TEXT,                                     -- short_name
    workflow_state TEXT NOT NULL,                         -- claimed, available, completed, deleted
    start_at TEXT,
    conclude_at TEXT,
    restrict_enrollments_to_course_dates INTEGER NOT NULL DEFAULT 0,
    course_format TEXT,
    grade_passback_setting TEXT,
    homeroom_course INTEGER NOT NULL DEFAULT 0,
    friendly_name TEXT,
    sis_batch_id INTEGER,
    stuck_sis_fields TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX courses_sis_source_id ON courses(root_account_id, sis_source_id)
    WHERE sis_source_id IS NOT NULL;
CREATE UNIQUE INDEX courses_integration_id ON courses(root_account_id, integration_id)
    WHERE integration_id IS NOT NULL;
CREATE INDEX courses_account ON courses(account_id, workflow_state);

CREATE TABLE course_sections (
    id INTEGER PRIMARY KEY,
    root_account_id INTEGER NOT NULL REFERENCES accounts(id),
    course_id INTEGER NOT NULL REFERENCES courses(id),
    nonxlist_course_id INTEGER REFERENCES courses(id),    -- the home course of a cross-listed section
    sis_source_id TEXT,
    integration_id TEXT,
    name TEXT NOT NULL,
    workflow_state TEXT NOT NULL DEFAULT 'active',
    start_at TEXT,
    end_at TEXT,
    default_section INTEGER NOT NULL DEFAULT 0,
    sis_batch_id INTEGER,
    stuck_sis_fields TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX course_sections_sis_source_id ON course_sections(root_account_id, sis_source_id)
    WHERE sis_source_id IS NOT NULL;
CREATE UNIQUE INDEX course_sections_integration_id ON course_sections(root_account_id, integration_id)
    WHERE integration_id IS NOT NULL;
CREATE INDEX course_sections_course ON course_sections(course_id, default_section);
CREATE INDEX course_sections_nonxlist_course ON course_sections(nonxlist_course_id)
    WHERE nonxlist_course_id IS NOT NULL;

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    root_account_id INTEGER NOT NULL REFERENCES accounts(id),  -- the account that created it
    name TEXT NOT NULL,
    sortable_name TEXT,
    short_name TEXT,
    pronouns TEXT,
    workflow_state TEXT NOT NULL DEFAULT 'registered',
    stuck_sis_fields TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Logins. unique_id is unique per root account among logins that are not deleted (Canvas's
-- by_unique_id.active); sis_user_id and integration_id are unique per root account.
CREATE TABLE pseudonyms (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    account_id INTEGER NOT NULL REFERENCES accounts(id),  -- the root account
    unique_id TEXT NOT NULL,
    unique_id_lower TEXT NOT NULL,
    sis_user_id TEXT,
    integration_id TEXT,
    workflow_state TEXT NOT NULL,                         -- active, suspended, deleted
    authentication_provider_id TEXT,
    crypted_password TEXT,                                -- salted digest; only its presence matters
    password_auto_generated INTEGER NOT NULL DEFAULT 0,   -- set by SIS, so SIS may change it again
    sis_ssha TEXT,
    declared_user_type TEXT,
    sis_communication_channel_id INTEGER,
    sis_batch_id INTEGER,
    stuck_sis_fields TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX pseudonyms_sis_user_id ON pseudonyms(account_id, sis_user_id)
    WHERE sis_user_id IS NOT NULL;
CREATE UNIQUE INDEX pseudonyms_integration_id ON pseudonyms(account_id, integration_id)
    WHERE integration_id IS NOT NULL;
CREATE UNIQUE INDEX pseudonyms_unique_id ON pseudonyms(account_id, unique_id_lower)
    WHERE workflow_state <> 'deleted';
CREATE INDEX pseudonyms_user ON pseudonyms(user_id);

CREATE TABLE communication_channels (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    pseudonym_id INTEGER REFERENCES pseudonyms(id),
    path TEXT NOT NULL,
    path_type TEXT NOT NULL DEFAULT 'email',
    workflow_state TEXT NOT NULL,                         -- unconfirmed, active, retired
    sis_batch_id INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX communication_channels_user ON communication_channels(user_id);

CREATE TABLE enrollments (
    id INTEGER PRIMARY KEY,
    root_account_id INTEGER NOT NULL REFERENCES accounts(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    course_id INTEGER NOT NULL REFERENCES courses(id),
    course_section_id INTEGER NOT NULL REFERENCES course_sections(id),
    type TEXT NOT NULL,                                   -- StudentEnrollment, TeacherEnrollment, ...
    associated_user_id INTEGER,                           -- the observed student of an observer
    workflow_state TEXT NOT NULL,                         -- active, inactive, completed, deleted
    start_at TEXT,
    end_at TEXT,
    limit_privileges_to_course_section INTEGER NOT NULL DEFAULT 0,
    sis_pseudonym_id INTEGER,
    temporary_enrollment_source_user_id INTEGER,
    grade_publishing_status TEXT,
    grade_publishing_message TEXT,
    sis_batch_id INTEGER,
    stuck_sis_fields TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX enrollments_section_user ON enrollments(course_section_id, user_id);
CREATE INDEX enrollments_user ON enrollments(user_id);

CREATE TABLE account_users (
    id INTEGER PRIMARY KEY,
    root_account_id INTEGER NOT NULL REFERENCES accounts(id),
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    workflow_state TEXT NOT NULL,
    sis_batch_id INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX account_users_account_user_role ON account_users(account_id, user_id, role);
CREATE INDEX account_users_user ON account_users(user_id);

CREATE TABLE group_categories (
    id INTEGER PRIMARY KEY,
    root_account_id INTEGER NOT NULL REFERENCES accounts(id),
    context_type TEXT NOT NULL,                           -- Account or Course
    context_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    sis_source_id TEXT,
    workflow_state TEXT NOT NULL DEFAULT 'active',
    sis_batch_id INTEGER,
    stuck_sis_fields TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX group_categories_sis_source_id ON group_categories(root_account_id, sis_source_id)
    WHERE sis_source_id IS NOT NULL;

CREATE TABLE groups (
    id INTEGER PRIMARY KEY,
    root_account_id INTEGER NOT NULL REFERENCES accounts(id),
    context_type TEXT NOT NULL,                           -- Account or Course
    context_id INTEGER NOT NULL,
    group_category_id INTEGER REFERENCES group_categories(id),
    name TEXT NOT NULL,
    sis_source_id TEXT,
    integration_id TEXT,
    workflow_state TEXT NOT NULL,                         -- available, closed, completed, deleted
    sis_batch_id INTEGER,
    stuck_sis_fields TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX groups_sis_source_id ON groups(root_account_id, sis_source_id)
    WHERE sis_source_id IS NOT NULL;
CREATE UNIQUE INDEX groups_integration_id ON groups(root_account_id, integration_id)
    WHERE integration_id IS NOT NULL;

CREATE TABLE group_memberships (
    id INTEGER PRIMARY KEY,
    root_account_id INTEGER NOT NULL REFERENCES accounts(id),
    group_id INTEGER NOT NULL REFERENCES groups(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    workflow_state TEXT NOT NULL,                         -- accepted, deleted
    sis_batch_id INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX group_memberships_group_user ON group_memberships(group_id, user_id);
CREATE INDEX group_memberships_user ON group_memberships(user_id);

CREATE TABLE user_observers (
    id INTEGER PRIMARY KEY,
    root_account_id INTEGER NOT NULL REFERENCES accounts(id),
    user_id INTEGER NOT NULL REFERENCES users(id),        -- the student
    observer_id INTEGER NOT NULL REFERENCES users(id),
    workflow_state TEXT NOT NULL,                         -- active, deleted
    sis_batch_id INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX user_observers_pair ON user_observers(root_account_id, user_id, observer_id);

-- Roll-back records: one per object whose workflow_state an import changed. Re-run safe: the
-- key makes a second attempt of the same import update the record, keeping the first previous
-- state, so an object its own crashed attempt created still counts as created.
CREATE TABLE sis_state_changes (
    sis_import_id INTEGER NOT NULL,
    object_type TEXT NOT NULL,                            -- Canvas class name, e.g. Enrollment
    object_id INTEGER NOT NULL,
    previous_state TEXT,                                  -- NULL: the object did not exist
    new_state TEXT NOT NULL,
    PRIMARY KEY (sis_import_id, object_type, object_id)
) WITHOUT ROWID;
"""

MIGRATIONS.append(SIS_OBJECTS)

# The outcomes store the Outcome Imports API writes (section 12): outcome groups (a root group per
# account and per course, created on demand), outcomes with their rubric, the links that place an
# outcome in a group, and friendly descriptions. Groups and outcomes carry the outcome import that
# last touched them: it finds parents "earlier in this import" and answers created_group_ids.
OUTCOMES = """
CREATE TABLE learning_outcome_groups (
    id INTEGER PRIMARY KEY,
    context_type TEXT NOT NULL,                           -- 'Account' or 'Course'
    context_id INTEGER NOT NULL,
    root_account_id INTEGER NOT NULL,
    parent_group_id INTEGER REFERENCES learning_outcome_groups(id),  -- NULL: the context's root
    vendor_guid TEXT,
    title TEXT NOT NULL,
    description TEXT,
    workflow_state TEXT NOT NULL DEFAULT 'active',        -- active, deleted
    outcome_import_id INTEGER REFERENCES outcome_imports(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX learning_outcome_groups_vendor_guid
    ON learning_outcome_groups(context_type, context_id, vendor_guid);
CREATE INDEX learning_outcome_groups_parent ON learning_outcome_groups(parent_group_id);
CREATE INDEX learning_outcome_groups_import ON learning_outcome_groups(outcome_import_id)
    WHERE outcome_import_id IS NOT NULL;

CREATE TABLE learning_outcomes (
    id INTEGER PRIMARY KEY,
    context_type TEXT,                                    -- NULL: a global outcome
    context_id INTEGER,
    root_account_id INTEGER,
    vendor_guid TEXT,
    title TEXT NOT NULL,                                  -- Canvas's short_description
    description TEXT,
    display_name TEXT,
    calculation_method TEXT NOT NULL,
    calculation_int INTEGER,
    mastery_points REAL NOT NULL,                         -- the rubric criterion
    points_possible REAL NOT NULL,
    ratings TEXT NOT NULL,                                -- JSON [{"description","points"}], best first
    workflow_state TEXT NOT NULL DEFAULT 'active',        -- active, deleted
    outcome_import_id INTEGER REFERENCES outcome_imports(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX learning_outcomes_vendor_guid ON learning_outcomes(vendor_guid);

-- Canvas's learning_outcome_association content tags; the context is the group's.
CREATE TABLE learning_outcome_links (
    id INTEGER PRIMARY KEY,
    outcome_id INTEGER NOT NULL REFERENCES learning_outcomes(id),
    group_id INTEGER NOT NULL REFERENCES learning_outcome_groups(id),
    context_type TEXT NOT NULL,
    context_id INTEGER NOT NULL,
    workflow_state TEXT NOT NULL DEFAULT 'active',        -- active, deleted
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX learning_outcome_links_outcome ON learning_outcome_links(outcome_id, group_id);
CREATE INDEX learning_outcome_links_group ON learning_outcome_links(group_id, workflow_state);

CREATE TABLE outcome_friendly_descriptions (
    id INTEGER PRIMARY KEY,
    outcome_id INTEGER NOT NULL REFERENCES learning_outcomes(id),
    context_type TEXT NOT NULL,
    context_id INTEGER NOT NULL,
    description TEXT NOT NULL,
    workflow_state TEXT NOT NULL DEFAULT 'active',        -- active, deleted
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX outcome_friendly_descriptions_outcome
    ON outcome_friendly_descriptions(outcome_id, context_type, context_id);
"""

MIGRATIONS.append(OUTCOMES)

# Differentiation tags (section 9.13) are Canvas's non-collaborative group categories and groups:
# tag sets and tags live in the group tables, flagged, and share their SIS id namespace.
DIFFERENTIATION_TAGS = """
ALTER TABLE group_categories ADD COLUMN non_collaborative INTEGER NOT NULL DEFAULT 0;
ALTER TABLE groups ADD COLUMN non_collaborative INTEGER NOT NULL DEFAULT 0;
"""

MIGRATIONS.append(DIFFERENTIATION_TAGS)

# Restoring an import (restore_states, section 2.9) and the Progress objects it answers with.
# A roll-back record now carries Canvas's own state (active until restored, then restored or
# failed) and whether batch-mode cleanup wrote it (restore_states' batch_mode restores only
# those). A progress belongs to an import and runs on its account's strand (account_id).
RESTORE_AND_PROGRESS = """
ALTER TABLE sis_state_changes ADD COLUMN batch_mode_delete INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sis_state_changes ADD COLUMN workflow_state TEXT NOT NULL DEFAULT 'active';

CREATE TABLE progresses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    context_type TEXT NOT NULL,                           -- 'SisBatch'
    context_id INTEGER NOT NULL,                          -- the SIS import
    account_id INTEGER NOT NULL REFERENCES accounts(id),  -- the strand the job runs on
    user_id INTEGER,
    tag TEXT NOT NULL,                                    -- 'sis_batch_state_restore'
    completion REAL NOT NULL DEFAULT 0,
    workflow_state TEXT NOT NULL,                         -- queued, running, completed, failed
    message TEXT,
    results TEXT,                                         -- JSON, NULL while none
    options TEXT NOT NULL DEFAULT '{}',                   -- the job's arguments (JSON)
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX progresses_pending ON progresses(workflow_state)
    WHERE workflow_state IN ('queued', 'running');
"""

MIGRATIONS.append(RESTORE_AND_PROGRESS)

# The read endpoints of imported objects (issue 10): one index per list they page through, so a
# page is an index seek. Enrollments get one new index only (course, then Canvas's type order):
# a course roster can hold 100k rows, while a section's or a user's enrollments are few and
# served by the existing (course_section_id, user_id) and (user_id) indexes; every index on
# enrollments costs the million-row import its share.
OBJECT_READS = """
CREATE INDEX enrollments_course_type ON enrollments(course_id, type, id);
CREATE INDEX users_sortable_name ON users(sortable_name, id);
CREATE INDEX pseudonyms_account ON pseudonyms(account_id, id);
CREATE INDEX enrollment_terms_root_account ON enrollment_terms(root_account_id, id);
CREATE INDEX group_categories_context ON group_categories(context_type, context_id, id);
CREATE INDEX groups_context ON groups(context_type, context_id, id);
CREATE INDEX groups_group_category ON groups(group_category_id, id);
CREATE INDEX user_observers_observer ON user_observers(observer_id, user_id);
CREATE INDEX learning_outcome_groups_context
    ON learning_outcome_groups(context_type, context_id, parent_group_id);
CREATE INDEX learning_outcome_links_context ON learning_outcome_links(context_type, context_id, id);
"""

MIGRATIONS.append(OBJECT_READS)

# Batch-mode cleanup (section 7.5) finds a term's courses (a course's groups, which the
# cascades need, are served by groups_context above).
CASCADE_INDEXES = """
CREATE INDEX courses_term ON courses(enrollment_term_id, workflow_state);
"""

MIGRATIONS.append(CASCADE_INDEXES)

# Canvas keeps a section's enrollment restriction as a field of its own (sticky, and set apart
# from the dates by a hand edit), and remembers the course a cross-listing copied a new course
# from (Course#template_course), whose later SIS changes the copy follows.
SECTION_RESTRICTION_AND_TEMPLATE_COURSES = """
ALTER TABLE course_sections ADD COLUMN restrict_enrollments_to_section_dates INTEGER NOT NULL DEFAULT 0;
UPDATE course_sections SET restrict_enrollments_to_section_dates = 1
    WHERE start_at IS NOT NULL OR end_at IS NOT NULL;
ALTER TABLE courses ADD COLUMN template_course_id INTEGER REFERENCES courses(id);
CREATE INDEX courses_template_course ON courses(template_course_id) WHERE template_course_id IS NOT NULL;
"""

MIGRATIONS.append(SECTION_RESTRICTION_AND_TEMPLATE_COURSES)

# A term's per-role dates set by hand stay through later imports (EnrollmentDatesOverride's
# sticky start_at/end_at).
DATE_OVERRIDE_STICKINESS = """
ALTER TABLE enrollment_dates_overrides ADD COLUMN stuck_sis_fields TEXT NOT NULL DEFAULT '';
"""

MIGRATIONS.append(DATE_OVERRIDE_STICKINESS)

# Accounts have a uuid in Canvas (lib/api/v1/account.rb shows it, uuid: ids name it); accounts
# stored before this get one each here: 40 hex digits, letters and digits as Canvas's are.
ACCOUNT_UUIDS = """
ALTER TABLE accounts ADD COLUMN uuid TEXT;
UPDATE accounts SET uuid = lower(hex(randomblob(20))) WHERE uuid IS NULL;
"""

MIGRATIONS.append(ACCOUNT_UUIDS)

# Digests of re-sent rows (service/sis/row_digests.py): a login or enrollment keeps the 64-bit
# digest of the users.csv or enrollments.csv row (kind, root account, header, raw record) known
# to leave it, and what the unchanged-row comparison reads with it, exactly as they are. Kept on
# the object itself, a digest costs a new row one more value in its INSERT; a table of digests
# keyed by digest was measured to cost new rows 20-35 us each, its random inserts dirtying
# most of its pages every batch. A digest is only true while nothing it depends on moves, so
# these triggers clear it whenever a column the comparison (store/sis_unchanged.py) reads takes
# a new value, a user gains a login or an e-mail channel, a section gains an enrollment of the
# same user (the comparison's "no other" rules), or a section or its course changes, whoever
# writes it: importers, restores, batch mode. Writes that leave those columns as they were
# (sis_batch_id stamps, updated_at) keep the digests. Objects are never deleted but by the
# reset, so there are no DELETE triggers (they would also cost the reset its truncation).
ROW_DIGESTS = """
ALTER TABLE pseudonyms ADD COLUMN sis_row_digest INTEGER;
ALTER TABLE enrollments ADD COLUMN sis_row_digest INTEGER;

-- (The WHEN of an insert's trigger costs a new object one seek; running its UPDATE would cost
-- a new user 2-3 us a trigger.)
CREATE TRIGGER sis_row_digests_login_added AFTER INSERT ON pseudonyms
WHEN EXISTS (SELECT 1 FROM pseudonyms WHERE user_id = NEW.user_id AND id <> NEW.id)
BEGIN
    UPDATE pseudonyms SET sis_row_digest = NULL
    WHERE user_id = NEW.user_id AND id <> NEW.id AND sis_row_digest IS NOT NULL;
END;
CREATE TRIGGER sis_row_digests_login_changed AFTER UPDATE ON pseudonyms
WHEN NEW.user_id IS NOT OLD.user_id OR NEW.account_id IS NOT OLD.account_id
  OR NEW.sis_user_id IS NOT OLD.sis_user_id OR NEW.unique_id IS NOT OLD.unique_id
  OR NEW.unique_id_lower IS NOT OLD.unique_id_lower OR NEW.integration_id IS NOT OLD.integration_id
  OR NEW.workflow_state IS NOT OLD.workflow_state
  OR NEW.authentication_provider_id IS NOT OLD.authentication_provider_id
  OR NEW.sis_communication_channel_id IS NOT OLD.sis_communication_channel_id
  OR NEW.stuck_sis_fields IS NOT OLD.stuck_sis_fields
BEGIN
    UPDATE pseudonyms SET sis_row_digest = NULL
    WHERE user_id IN (OLD.user_id, NEW.user_id) AND sis_row_digest IS NOT NULL;
    UPDATE enrollments SET sis_row_digest = NULL
    WHERE user_id IN (OLD.user_id, NEW.user_id) AND sis_row_digest IS NOT NULL;
END;
CREATE TRIGGER sis_row_digests_user_changed AFTER UPDATE ON users
WHEN NEW.name IS NOT OLD.name OR NEW.sortable_name IS NOT OLD.sortable_name
  OR NEW.short_name IS NOT OLD.short_name OR NEW.workflow_state IS NOT OLD.workflow_state
  OR NEW.stuck_sis_fields IS NOT OLD.stuck_sis_fields
BEGIN
    UPDATE pseudonyms SET sis_row_digest = NULL WHERE user_id = NEW.id AND sis_row_digest IS NOT NULL;
    -- (an enrollments row reads only its user's state)
    UPDATE enrollments SET sis_row_digest = NULL
    WHERE NEW.workflow_state IS NOT OLD.workflow_state AND user_id = NEW.id AND sis_row_digest IS NOT NULL;
END;
-- (A new login is written before the e-mail channel it names: that channel was foreseen.)
CREATE TRIGGER sis_row_digests_channel_added AFTER INSERT ON communication_channels
WHEN NEW.pseudonym_id IS NULL
  OR NEW.id IS NOT (SELECT sis_communication_channel_id FROM pseudonyms WHERE id = NEW.pseudonym_id)
BEGIN
    UPDATE pseudonyms SET sis_row_digest = NULL
    WHERE user_id = NEW.user_id AND sis_communication_channel_id IS NOT NEW.id AND sis_row_digest IS NOT NULL;
END;
CREATE TRIGGER sis_row_digests_channel_changed AFTER UPDATE ON communication_channels
WHEN NEW.user_id IS NOT OLD.user_id OR NEW.pseudonym_id IS NOT OLD.pseudonym_id
  OR NEW.path IS NOT OLD.path OR NEW.workflow_state IS NOT OLD.workflow_state
BEGIN
    UPDATE pseudonyms SET sis_row_digest = NULL
    WHERE user_id IN (OLD.user_id, NEW.user_id) AND sis_row_digest IS NOT NULL;
END;
CREATE TRIGGER sis_row_digests_enrollment_added AFTER INSERT ON enrollments
WHEN EXISTS (SELECT 1 FROM enrollments
             WHERE course_section_id = NEW.course_section_id AND user_id = NEW.user_id AND id <> NEW.id)
BEGIN
    UPDATE enrollments SET sis_row_digest = NULL
    WHERE course_section_id = NEW.course_section_id AND user_id = NEW.user_id AND id <> NEW.id
      AND sis_row_digest IS NOT NULL;
END;
CREATE TRIGGER sis_row_digests_enrollment_changed AFTER UPDATE ON enrollments
WHEN NEW.user_id IS NOT OLD.user_id OR NEW.course_id IS NOT OLD.course_id
  OR NEW.course_section_id IS NOT OLD.course_section_id OR NEW.type IS NOT OLD.type
  OR NEW.associated_user_id IS NOT OLD.associated_user_id
  OR NEW.workflow_state IS NOT OLD.workflow_state OR NEW.sis_pseudonym_id IS NOT OLD.sis_pseudonym_id
  OR NEW.start_at IS NOT OLD.start_at OR NEW.end_at IS NOT OLD.end_at
  OR NEW.stuck_sis_fields IS NOT OLD.stuck_sis_fields
BEGIN
    UPDATE enrollments SET sis_row_digest = NULL
    WHERE course_section_id = OLD.course_section_id AND user_id = OLD.user_id AND sis_row_digest IS NOT NULL;
    UPDATE enrollments SET sis_row_digest = NULL
    WHERE course_section_id = NEW.course_section_id AND user_id = NEW.user_id AND sis_row_digest IS NOT NULL;
END;
CREATE TRIGGER sis_row_digests_section_changed AFTER UPDATE ON course_sections
WHEN NEW.root_account_id IS NOT OLD.root_account_id OR NEW.sis_source_id IS NOT OLD.sis_source_id
  OR NEW.workflow_state IS NOT OLD.workflow_state OR NEW.course_id IS NOT OLD.course_id
  OR NEW.nonxlist_course_id IS NOT OLD.nonxlist_course_id
BEGIN
    UPDATE enrollments SET sis_row_digest = NULL WHERE course_section_id = NEW.id AND sis_row_digest IS NOT NULL;
END;
CREATE TRIGGER sis_row_digests_course_changed AFTER UPDATE ON courses
WHEN NEW.root_account_id IS NOT OLD.root_account_id OR NEW.sis_source_id IS NOT OLD.sis_source_id
  OR NEW.workflow_state IS NOT OLD.workflow_state
BEGIN
    UPDATE enrollments SET sis_row_digest = NULL
    WHERE course_section_id IN (
        SELECT id FROM course_sections WHERE course_id = NEW.id
        UNION ALL SELECT id FROM course_sections WHERE nonxlist_course_id = NEW.id)
      AND sis_row_digest IS NOT NULL;
END;
"""

MIGRATIONS.append(ROW_DIGESTS)


def _fired_only_by_the_columns_they_compare(script: str) -> str:
    """The script's AFTER UPDATE triggers dropped and made again as AFTER UPDATE OF the columns
    their WHEN compares (``NEW.c IS NOT OLD.c``), bodies unchanged: an UPDATE that writes none
    of those columns cannot make the WHEN true, and SQLite then skips the trigger altogether."""
    made_again = []
    for name, table, rest in re.findall(r"CREATE TRIGGER (\w+) AFTER UPDATE ON (\w+)\n(.*?\nEND;)", script, re.S):
        columns = ", ".join(dict.fromkeys(re.findall(r"NEW\.(\w+) IS NOT OLD\.\1\b", rest)))
        made_again.append(f"DROP TRIGGER {name};\nCREATE TRIGGER {name} AFTER UPDATE OF {columns} ON {table}\n{rest}\n")
    return "\n".join(made_again)


# A sis_batch_id stamp (an unchanged row's only write) fired the ROW_DIGESTS UPDATE triggers on
# every row it touched, only for their WHEN to find nothing changed: 0.4 of a login's 0.95 us
# stamp, measured bare on 300k logins. Triggers that name their columns are not run at all.
ROW_DIGEST_TRIGGERS_BY_COLUMN = _fired_only_by_the_columns_they_compare(ROW_DIGESTS)
MIGRATIONS.append(ROW_DIGEST_TRIGGERS_BY_COLUMN)

# An enrollments row is known by its digest alone (store/sis_row_digests.py): one seek of this
# index replaces the four its keys took. Only digests are indexed, so clearing one removes it.
ENROLLMENT_ROW_DIGEST_INDEX = """
CREATE INDEX enrollments_sis_row_digest ON enrollments(sis_row_digest) WHERE sis_row_digest IS NOT NULL;
"""
MIGRATIONS.append(ENROLLMENT_ROW_DIGEST_INDEX)
