"""Start and stop the offline stack's servers as subprocesses on free 127.0.0.1 ports.

Each ``start_*`` waits (bounded) until its server answers and raises
:class:`ServerStartError`, naming the server and quoting its log, when it does not.
"""

from offline.cfn import REGION
from offline.servers.cosmos import CosmosServer, start_cosmos
from offline.servers.group import ServerGroup
from offline.servers.moto import MotoServer, start_moto
from offline.servers.process import ManagedProcess, ServerStartError, free_port
from offline.servers.vision import VisionControl, VisionServer, start_vision

__all__ = [
    "REGION",
    "CosmosServer",
    "ManagedProcess",
    "MotoServer",
    "ServerGroup",
    "ServerStartError",
    "VisionControl",
    "VisionServer",
    "free_port",
    "start_cosmos",
    "start_moto",
    "start_vision",
]
