-- Recovery codes are kept as Argon2id with a salt of their own (`phc`, the PHC string), no
-- longer as an unsalted SHA-256 that a stolen copy of the database could be searched against.
-- Codes issued before keep their SHA-256 (`hash`) until they are used or replaced.
ALTER TABLE kode_pemulihan
    ALTER COLUMN hash DROP NOT NULL,
    ADD COLUMN phc text CHECK (phc LIKE '$argon2id$%'),
    ADD CONSTRAINT kode_pemulihan_satu_hash CHECK ((hash IS NULL) <> (phc IS NULL));
