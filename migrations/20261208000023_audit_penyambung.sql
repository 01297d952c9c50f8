-- The audit chain after commit. Until now each line took the chain's global lock in its insert
-- trigger and held it to its transaction's commit: every writing use case of the country
-- committed one at a time, and group commit could never batch their WAL flushes (with the
-- trigger off, OTP pairs in bench/perf.sh rose 1.57×).
--
-- Now a line is written without a place in the chain (seq, prev_hash and hash NULL) and a
-- linker chains the committed lines in batches, in the order it finds them: one instance at
-- a time (the same advisory lock, held for a batch, not for a request), every 250 ms, before
-- every checkpoint and evidence record, and at the start of `server audit verify`. What the
-- chain guarantees is unchanged: a line changed, removed or inserted between two linked lines
-- breaks it; the tail is sealed by the signed checkpoints, as before; a line inserted
-- through the database alone is linked too and named by its missing MAC. A line not yet
-- linked is the newest of the trail, which only the next checkpoint ever sealed.
--
-- The linker is a SECURITY DEFINER function: the app role may call it, but still cannot
-- update the trail itself, and the append-only trigger lets through exactly one change: a
-- line's empty place in the chain filled, every other column as it was.

CREATE INDEX audit_log_belum_sambung ON audit_log (id) WHERE seq IS NULL;

DROP TRIGGER audit_log_chain ON audit_log;
DROP FUNCTION audit_chain();

CREATE FUNCTION audit_log_hanya_sambung() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL
       AND NEW.seq IS NOT NULL AND NEW.hash IS NOT NULL
       AND to_jsonb(NEW) - ARRAY['seq', 'prev_hash', 'hash'] = to_jsonb(OLD) - ARRAY['seq', 'prev_hash', 'hash'] THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log hanya boleh ditambah (append-only)';
END
$$;
DROP TRIGGER audit_log_no_update ON audit_log;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_hanya_sambung();

-- Links up to `batas` committed lines in id order after the chain's head; returns how many.
CREATE FUNCTION audit_sambung(batas integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    line audit_log;
    prev bytea;
    n integer := 0;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM audit_log WHERE seq IS NULL) THEN
        RETURN 0;
    END IF;
    PERFORM pg_advisory_xact_lock(7310001);
    prev := (SELECT hash FROM audit_log WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1);
    FOR line IN SELECT * FROM audit_log WHERE seq IS NULL ORDER BY id LIMIT batas LOOP
        line.seq := nextval('audit_chain_seq');
        line.hash := sha256(coalesce(prev, ''::bytea) || audit_line_bytes(line));
        UPDATE audit_log SET seq = line.seq, prev_hash = prev, hash = line.hash WHERE id = line.id;
        prev := line.hash;
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;
