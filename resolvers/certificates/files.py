"""A certificate as the holder downloads it: PNG and PDF pages laid out like seed 004 §5.2,
rendered in a worker thread (never on the event loop) and kept as stored files of the holder
until the credential changes, so a second download is a lookup, not a render."""

from __future__ import annotations

import uuid

from tortoise.transactions import in_transaction

from models import Certificate
from resolvers.certificates.issuing import Issuer
from resolvers.certificates.layouts import layout_of, rendered
from resolvers.certificates.render import render_pdf, render_png
from resolvers.core.actors import Actor, require_learner
from resolvers.core.errors import DomainError, ErrorCode
from resolvers.core.files import FileKind, store_generated
from resolvers.core.storage import Storage


async def _stored(
    actor: Actor, certificate: Certificate, issuer: Issuer, storage: Storage, kind: FileKind
) -> uuid.UUID:
    """The stored file of the current credential: the kept one, or rendered now."""
    column = "png_file_id" if kind == FileKind.PNG else "pdf_file_id"
    cached: uuid.UUID | None = getattr(certificate, column)
    if cached is not None:
        return cached
    render = render_png if kind == FileKind.PNG else render_pdf
    layout = layout_of(certificate, issuer.verify_url(certificate.number), issuer.name)
    data = await rendered(render, layout)
    extension = "png" if kind == FileKind.PNG else "pdf"
    async with in_transaction():
        row = await store_generated(
            actor, f"{certificate.kind.label}-{certificate.number}.{extension}", data, storage, kind
        )
        # Only while the credential is the one rendered: an extension meanwhile wins.
        await Certificate.filter(id=certificate.id, credential=certificate.credential).update(
            **{column: row.id}
        )
    setattr(certificate, column, row.id)
    return row.id


async def certificate_file(
    actor: Actor,
    certificate: Certificate,
    issuer: Issuer,
    storage: Storage,
    kind: FileKind,
) -> uuid.UUID:
    """The stored file (its id) of the holder's PNG or PDF of one of their certificates (read
    by the caller, who found it among the learner's own)."""
    if certificate.learner_id != require_learner(actor):
        raise DomainError.of(ErrorCode.NOT_FOUND, "证明不存在", "id")
    return await _stored(actor, certificate, issuer, storage, kind)
