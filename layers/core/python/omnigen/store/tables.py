"""Names the DynamoDB and S3 adapters share with the CDK app that makes the tables and the
bucket. Plain constants, so synthesizing the stacks imports none of the adapters (nor boto3)."""

JOBS_BY_USER = "by_user"
"""Jobs index: (user_id, created_key), a user's jobs newest first."""
JOBS_UNFINISHED = "unfinished"
"""Jobs index: (open, created_key), sparse: only jobs not in a terminal status carry `open`."""
CONNECTIONS_BY_JOB = "by_job"
"""Connections index: (job_id, connection_id), a job's WebSocket subscribers."""
TTL_ATTRIBUTE = "expires_at"
"""Epoch seconds after which DynamoDB deletes the item (events, key-value items, connections)."""
LIFECYCLE_TAG = "omnigen-lifecycle"
"""S3 object tag the bucket's lifecycle rule expires intermediate assets by."""
