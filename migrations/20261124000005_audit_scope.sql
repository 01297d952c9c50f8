-- Which satker and KPPN each audit line concerns, fixed when it is written (the actor's unit,
-- or the unit of the pejabat acted on), so the audit page filters by one indexed column
-- instead of joining every line to its pejabat.
ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update;
ALTER TABLE audit_log ADD COLUMN scope_satker text, ADD COLUMN scope_kppn text;
UPDATE audit_log a SET scope_satker = coalesce(p.satker_kode, a.satker_kode)
FROM (SELECT a2.id, p2.satker_kode FROM audit_log a2 LEFT JOIN pejabat p2 ON p2.id = a2.pejabat_id) p
WHERE p.id = a.id;
UPDATE audit_log a SET scope_kppn = coalesce((SELECT s.kppn_kode FROM satker s WHERE s.kode = a.scope_satker), a.kppn_kode);
ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update;
CREATE INDEX audit_log_scope_satker ON audit_log (scope_satker, id DESC);
CREATE INDEX audit_log_scope_kppn ON audit_log (scope_kppn, id DESC);
