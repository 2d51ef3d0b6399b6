/** How long a revoked key is remembered here: far beyond a feed token's life and any connect in flight. */
const REVOKED_KEY_MEMORY_MS = 24 * 60 * 60 * 1000;

/**
 * Keys revoked for this team (table made by migrateFeedStorage). The api Worker checks the
 * key in D1 before it connects a socket, but a revocation can land between that check and
 * the connect reaching the object; remembering the key here refuses such a late connect.
 */
export class RevokedKeys {
  constructor(private readonly sql: SqlStorage) {}

  remember(keyId: string, now: number): void {
    this.sql.exec("INSERT INTO revoked_keys (key_id, revoked_at) VALUES (?, ?) ON CONFLICT (key_id) DO NOTHING", keyId, now);
    this.sql.exec("DELETE FROM revoked_keys WHERE revoked_at < ?", now - REVOKED_KEY_MEMORY_MS);
  }

  has(keyId: string): boolean {
    return this.sql.exec("SELECT 1 FROM revoked_keys WHERE key_id = ?", keyId).toArray().length > 0;
  }
}
