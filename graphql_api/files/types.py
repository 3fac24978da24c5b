"""The GraphQL type of an uploaded file, with a download link signed for the current actor."""

from __future__ import annotations

import datetime as dt

import strawberry

from graphql_api.common import shown
from graphql_api.context import Info
from models import StoredFile as StoredFileModel
from resolvers.core.files import sign_download


@strawberry.type(name="StoredFile", description="An uploaded file (a PDF).")
class StoredFileType:
    id: strawberry.ID
    filename: str
    size: int = strawberry.field(description="In bytes.")
    content_type: str
    created_at: dt.datetime
    _row: strawberry.Private[StoredFileModel]
    _readable: strawberry.Private[bool]

    @strawberry.field(
        description="A link valid for five minutes, to fetch with the same Authorization header; "
        "null when the current actor may not read the file."
    )
    async def download_url(self, info: Info) -> str | None:
        actor = info.context.actor
        if not (
            self._readable
            or await info.context.loaders.file_access_by_actor.load((actor, self._row))
        ):
            return None
        return sign_download(self._row.id, actor, info.context.services.settings.secret_key)

    @classmethod
    def from_model(cls, row: StoredFileModel, *, readable: bool = False) -> StoredFileType:
        """``readable`` when the caller has established that the actor may read the file."""
        return cls(
            id=strawberry.ID(str(row.id)),
            filename=row.filename,
            size=row.size,
            content_type=row.content_type,
            created_at=shown(row.created_at),  # type: ignore[arg-type]
            _row=row,
            _readable=readable,
        )
