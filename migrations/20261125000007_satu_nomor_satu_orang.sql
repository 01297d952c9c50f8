-- One phone number, one person: an OTP number may be shared only by the active references
-- of one NIP (the same person in two jabatan), never by two people, or one phone would
-- receive both people's codes. An exclusion constraint holds it for every path that writes
-- a number (Rekam, a confirmed number change) and under concurrency; the use cases check
-- first to name the jabatan and satker that hold the number.
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE pejabat ADD CONSTRAINT pejabat_satu_nomor_satu_orang
    EXCLUDE USING gist (no_hp WITH =, nip WITH <>) WHERE (deleted_at IS NULL);
