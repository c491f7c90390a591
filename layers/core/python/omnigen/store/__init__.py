"""Where jobs and assets live: ports here, adapters beside them (SQLite and disk locally)."""
