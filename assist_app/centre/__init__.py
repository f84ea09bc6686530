"""A centre, not a seat (issue 16): seat → PostgreSQL replication and the supervisor's reads.

Plain Python (psycopg 3), no Qt. The seat's own store is untouched: ``Replicator`` reads the
SQLite file and ships rows; ``pgschema`` owns the central schema and its row-level security;
``admin`` creates roles; ``reader`` holds the supervisor/trainer queries.
"""

from assist_app.centre.config import CentreConfig, CentreConfigError, load_config, save_config
from assist_app.centre.credentials import CredentialStore
from assist_app.centre.replicator import Replicator, ReplicatorStats

__all__ = [
    "CentreConfig",
    "CentreConfigError",
    "CredentialStore",
    "Replicator",
    "ReplicatorStats",
    "load_config",
    "save_config",
]
