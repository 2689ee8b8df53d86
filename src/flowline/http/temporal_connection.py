"""One Temporal client for the API process, connected on first use.

The API starts and answers (ingestion, CRUD, `/health`) even while Temporal is unreachable.
"""

import asyncio

from temporalio.client import Client

from flowline.core.errors import TemporalUnavailable
from flowline.core.settings import Settings
from flowline.core.temporal import connect


class TemporalConnection:
    def __init__(self, settings: Settings, client: Client | None = None) -> None:
        self._settings = settings
        self._client = client
        self._lock = asyncio.Lock()

    async def client(self) -> Client:
        if self._client is not None:
            return self._client
        async with self._lock:
            if self._client is None:
                try:
                    self._client = await asyncio.wait_for(connect(self._settings), timeout=5)
                except Exception as error:
                    raise TemporalUnavailable(
                        f"Temporal at {self._settings.temporal_address} is unreachable: "
                        f"{type(error).__name__}: {error}"
                    ) from None
        return self._client

    async def healthy(self) -> bool:
        try:
            client = await self.client()
            await asyncio.wait_for(client.service_client.check_health(), timeout=3)
        except Exception:
            return False
        return True
