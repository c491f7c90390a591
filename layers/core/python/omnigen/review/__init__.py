"""Review and delivery (the medical-legal-regulatory workflow): who may do what, the append-only
audit trail every review fact is recorded in, and the state folded from it. Pure domain code."""
