-- Appointments the satker books itself (issue 17): the CSO publishes slots (when, how long,
-- how many satkers, at the KPPN or by video); a `jadwal` row is now one satker's booking of a
-- slot, naming the pejabat who come. A session the CSO sets by hand is a slot of capacity one
-- booked at once; the sessions set before this migration become exactly that.
CREATE TABLE slot (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kppn_kode    text NOT NULL REFERENCES kppn (kode),
    mulai        timestamptz NOT NULL,
    durasi_menit integer NOT NULL CHECK (durasi_menit BETWEEN 10 AND 480),
    kapasitas    integer NOT NULL CHECK (kapasitas BETWEEN 1 AND 50),
    mode         text NOT NULL CHECK (mode IN ('KPPN', 'VIDEO_CONFERENCE')),
    tautan       text CHECK (tautan ~ '^https://' AND length(tautan) <= 500),
    catatan      text NOT NULL DEFAULT '' CHECK (length(catatan) <= 500),
    dibuat_at    timestamptz NOT NULL,
    dibuat_by    bigint NOT NULL REFERENCES app_user (id),
    -- the jadwal a pre-existing session came from (only while this migration runs)
    asal_jadwal  bigint,
    CHECK ((mode = 'VIDEO_CONFERENCE') = (tautan IS NOT NULL))
);
CREATE INDEX slot_kppn_mulai ON slot (kppn_kode, mulai);

INSERT INTO slot (kppn_kode, mulai, durasi_menit, kapasitas, mode, tautan, catatan, dibuat_at, dibuat_by, asal_jadwal)
SELECT kppn_kode, mulai, 60, 1, mode, tautan, catatan, dibuat_at, dibuat_by, id FROM jadwal;

ALTER TABLE jadwal ADD COLUMN slot_id bigint REFERENCES slot (id);
UPDATE jadwal j SET slot_id = s.id FROM slot s WHERE s.asal_jadwal = j.id;
ALTER TABLE slot DROP COLUMN asal_jadwal;
ALTER TABLE jadwal ALTER COLUMN slot_id SET NOT NULL;
-- the time, place and note are the slot's now (their CHECK and indexes go with them)
ALTER TABLE jadwal DROP COLUMN mulai, DROP COLUMN mode, DROP COLUMN tautan, DROP COLUMN catatan;
ALTER TABLE jadwal
    ADD COLUMN dibatalkan_at timestamptz,
    ADD COLUMN dibatalkan_by bigint REFERENCES app_user (id),
    -- the CSO saw the satker arrive (today's queue)
    ADD COLUMN tiba_at       timestamptz,
    -- reminders sent: the day before at 08:00 WIB, and one hour before
    ADD COLUMN ingat_hari_at timestamptz,
    ADD COLUMN ingat_jam_at  timestamptz,
    ADD CHECK ((dibatalkan_at IS NULL) = (dibatalkan_by IS NULL)),
    ADD CHECK (dibatalkan_at IS NULL OR kehadiran IS NULL);
CREATE INDEX jadwal_slot ON jadwal (slot_id) WHERE dibatalkan_at IS NULL;
CREATE INDEX jadwal_satker ON jadwal (satker_kode, id DESC);

-- The pejabat a booking names (none for a session the CSO set by hand).
CREATE TABLE jadwal_pejabat (
    jadwal_id  bigint NOT NULL REFERENCES jadwal (id),
    pejabat_id bigint NOT NULL REFERENCES pejabat (id),
    PRIMARY KEY (jadwal_id, pejabat_id)
);
CREATE INDEX jadwal_pejabat_pejabat ON jadwal_pejabat (pejabat_id);
