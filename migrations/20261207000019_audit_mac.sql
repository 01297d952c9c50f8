-- Each line the server writes carries a MAC (HMAC-SHA-256) under a key the server process
-- holds and the database never sees (`backend::kunci`), over a random nonce and every field
-- the server gives. A line written through the database alone (the chain trigger still hashes
-- it) has no valid MAC, and `server audit verify` names it. The nonce is unique: a copy of a
-- good line is refused.
ALTER TABLE audit_log ADD COLUMN mac_nonce bytea, ADD COLUMN mac bytea;
CREATE UNIQUE INDEX audit_log_mac_nonce ON audit_log (mac_nonce);
