-- The demo's mark on its database: one row, written by the demo seed (`backend::demo`) in the
-- transaction that loads the demo data. A production start refuses a database with this row
-- (or with any demo username): the demo's password is in the README and its staff's
-- authenticator secrets follow from the public source. The app role may add the row but not
-- remove it (`backend::db::grant_app`).
CREATE TABLE data_demo (
    satu      boolean PRIMARY KEY DEFAULT true CHECK (satu),
    dimuat_at timestamptz NOT NULL
);
