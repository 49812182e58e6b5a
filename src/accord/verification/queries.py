"""Reads of the verification app's protected data, always through core.access.

Claims, sources and assessments are read under their labels (an assessment under its own and
its claim's). A claim's workflow status as shown to a reader is that of the latest assessment
THEY may read, so a stricter assessment never shows through the status of a claim. Similar
claims are ranked among the claims the reader may read only (the label filter comes before
ranking, in the index itself).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery

from accord.core import access
from accord.core.access import Viewer
from accord.core.errors import NotFound
from accord.core.queries import valid_id
from accord.verification.models import (
    Assessment,
    Claim,
    Evidence,
    LineResponse,
    PublicLine,
    Source,
    SourceRating,
    Technique,
)
from accord.verification.similar import ClaimIndex, Match, SnapshotError, fingerprint


# --- sources -------------------------------------------------------------------------------------
def sources(viewer: Viewer) -> QuerySet[Source]:
    if viewer.member is None:
        return Source.objects.none()
    qs = Source.objects.filter(process=viewer.process).select_related("label", "relays")
    return access.readable(qs, viewer)


def source(viewer: Viewer, source_id: int) -> Source:
    if not valid_id(source_id):
        raise NotFound("source not found")
    obj = sources(viewer).filter(pk=source_id).first()
    if obj is None:
        raise NotFound("source not found")
    return obj


def ratings(viewer: Viewer, s: Source) -> list[SourceRating]:
    """The reliability history of a readable source, newest first."""
    source(viewer, s.pk)
    return list(SourceRating.objects.filter(source=s).select_related("rated_by__user"))


def relays_shown(viewer: Viewer, s: Source) -> Source | None:
    """The source this one relays, if the viewer may read it (else nothing, not even its id)."""
    if s.relays_id is None:
        return None
    return sources(viewer).filter(pk=s.relays_id).first()


def relayed_by(viewer: Viewer, s: Source) -> QuerySet[Source]:
    return sources(viewer).filter(relays=s)


def lineage(viewer: Viewer, s: Source) -> list[Source]:
    """The readable chain from this source up to its origin (stops at an unreadable link)."""
    out = [s]
    seen = {s.pk}
    cur = s
    while cur.relays_id is not None and cur.relays_id not in seen:
        nxt = sources(viewer).filter(pk=cur.relays_id).first()
        if nxt is None:
            break
        out.append(nxt)
        seen.add(nxt.pk)
        cur = nxt
    return out


# --- claims --------------------------------------------------------------------------------------
def _latest(viewer: Viewer, field: str) -> Subquery:
    ids = access.readable_label_ids(viewer)
    qs = Assessment.objects.filter(
        claim=OuterRef("pk"), label__in=ids, claim__label__in=ids
    ).order_by("-created_at", "-pk")
    return Subquery(qs.values(field)[:1])


def claims(viewer: Viewer) -> QuerySet[Claim]:
    """Readable claims, each annotated with the latest readable assessment's status and rating."""
    if viewer.member is None:
        return Claim.objects.none()
    qs = Claim.objects.filter(process=viewer.process).select_related("label", "created_by__user")
    return access.readable(qs, viewer).annotate(
        seen_status=_latest(viewer, "status"),
        seen_reliability=_latest(viewer, "reliability"),
        seen_credibility=_latest(viewer, "credibility"),
    )


def claim(viewer: Viewer, claim_id: int) -> Claim:
    if not valid_id(claim_id):
        raise NotFound("claim not found")
    obj = claims(viewer).filter(pk=claim_id).first()
    if obj is None:
        raise NotFound("claim not found")
    return obj


def filtered_claims(
    viewer: Viewer,
    *,
    status: str | None = None,
    technique: str | None = None,
    language: str | None = None,
    platform: str | None = None,
    q: str | None = None,
) -> QuerySet[Claim]:
    qs = claims(viewer)
    if status == "unstarted":
        qs = qs.filter(Q(seen_status__isnull=True) | Q(seen_status="unstarted"))
    elif status:
        qs = qs.filter(seen_status=status)
    if language:
        qs = qs.filter(language__iexact=language)
    if platform:
        qs = qs.filter(platform__iexact=platform)
    if q:
        qs = qs.filter(text__icontains=q)
    if technique:
        t = technique.strip().upper()
        ids = [pk for pk, techs in qs.values_list("pk", "techniques") if t in (techs or [])]
        qs = qs.filter(pk__in=ids)
    return qs


def claim_sources(viewer: Viewer, c: Claim) -> list[Source]:
    """The sources carrying a readable claim that the viewer may read."""
    claim(viewer, c.pk)
    return list(sources(viewer).filter(claims=c))


def assessments(viewer: Viewer, c: Claim) -> QuerySet[Assessment]:
    claim(viewer, c.pk)
    qs = Assessment.objects.filter(claim=c).select_related("label", "analyst__user", "source")
    return access.readable(access.readable(qs, viewer), viewer, "claim__label")


def evidence(viewer: Viewer, c: Claim) -> QuerySet[Evidence]:
    """The evidence of a readable claim that the viewer may read (its own label AND the
    claim's)."""
    claim(viewer, c.pk)
    qs = Evidence.objects.filter(claim=c).select_related("label", "added_by__user")
    return access.readable(access.readable(qs, viewer), viewer, "claim__label")


def one_evidence(viewer: Viewer, claim_id: int, evidence_id: int) -> Evidence:
    """One file of evidence, or 404 whether it is missing, unreadable or of another claim."""
    c = claim(viewer, claim_id)
    obj = evidence(viewer, c).filter(pk=evidence_id).first() if valid_id(evidence_id) else None
    if obj is None:
        raise NotFound("evidence not found")
    return obj


def assessment_evidence(viewer: Viewer, a: Assessment) -> list[Evidence]:
    """The files an assessment cites that the viewer may read (others are not named)."""
    return list(evidence(viewer, a.claim).filter(cited_by=a))


def assessment_source(viewer: Viewer, a: Assessment) -> Source | None:
    if a.source_id is None:
        return None
    return sources(viewer).filter(pk=a.source_id).first()


def techniques(ids: list[str] | None = None) -> QuerySet[Technique]:
    """DISARM techniques (public reference data)."""
    qs = Technique.objects.all()
    return qs.filter(external_id__in=ids) if ids is not None else qs


def independent_sources(viewer: Viewer, c: Claim) -> int:
    from accord.verification.services import independent_count

    return independent_count(claim_sources(viewer, c))


# --- similar claims ------------------------------------------------------------------------------
@dataclass
class Similar:
    claim: Claim
    score: float


_indexes: dict[int, ClaimIndex] = {}
_ilock = threading.Lock()
log = logging.getLogger("accord.verification")


def snapshot_path(process_id: int) -> Path:
    """Where the process's similar-claim index is saved (shared by the workers of a host)."""
    return Path(settings.DATA_DIR) / "similar" / f"{process_id}.npz"


def _new_index(process_id: int) -> ClaimIndex:
    ix = ClaimIndex()
    ix.on_build = lambda built: _request_save(process_id, built, snapshot_path(process_id))
    return ix


def index_for(process_id: int) -> ClaimIndex:
    """The process's similar-claim index in this worker, brought up to date with the table:
    on first use loaded from its snapshot if that still matches the table, else built; then
    claims added since (by other workers, or after the snapshot) are appended (ids above the
    last indexed one); if claims were removed it is rebuilt."""
    with _ilock:
        ix = _indexes.get(process_id)
        if ix is None:
            ix = _indexes[process_id] = _new_index(process_id)
    base = Claim.objects.filter(process_id=process_id)
    stats = base.aggregate(n=Count("pk"), top=Max("pk"))
    if (stats["top"] or 0) < ix.max_id:  # rows removed (or a rolled-back test): start again
        with _ilock:
            ix = _indexes[process_id] = _new_index(process_id)
    if ix.origin == "new" and stats["n"]:
        with ix._lock:  # one loader; a request that comes meanwhile waits for it
            if ix.origin == "new" and not len(ix):
                _restore(process_id, ix, base, stats["top"])
    newer = list(base.filter(pk__gt=ix.max_id).values_list("pk", "label_id", "text"))
    if newer:
        with ix._lock:
            newer = [r for r in newer if r[0] > ix.max_id]
            cols = [r[0] for r in newer], [r[1] for r in newer], [r[2] for r in newer]
            if len(ix):  # the new rows only, into the delta (merged in the background)
                ix.extend(*cols)
            elif newer:  # a first build, straight into the base
                ix.bulk(*cols)
    if len(ix) != stats["n"] and len(ix) != base.count():
        with _ilock:
            _indexes.pop(process_id, None)
        return index_for(process_id)
    return ix


def _restore(process_id: int, ix: ClaimIndex, base: QuerySet[Claim], top: int) -> bool:
    """Load the saved index into the empty `ix` if it holds exactly the claims of the table
    up to its last id (same ids, labels and texts: a restore or a deletion since it was saved
    makes it stale). A stale file is deleted; an unreadable one too, with a warning: either
    way the index is built from the table, and the user sees no error."""
    path = snapshot_path(process_id)
    try:
        seen = path.stat()
    except OSError:
        return False
    t0 = time.perf_counter()

    def matches(meta: dict) -> bool:
        upto = base.filter(pk__lte=meta["max_id"])
        if top < meta["max_id"] or upto.count() != meta["n"]:
            return False
        rows = upto.values_list("pk", "label_id", "text").iterator(chunk_size=5000)
        return fingerprint(rows) == int(meta["digest"], 16)

    try:
        loaded = ix.load(path, matches)
    except SnapshotError as exc:
        log.warning(
            "similar-claim index of process %s: snapshot %s ignored (%s); building from the table",
            process_id,
            path,
            exc,
        )
        _discard(path, seen)
        return False
    if not loaded:
        log.info(
            "similar-claim index of process %s: snapshot %s no longer matches the claims; "
            "deleted, building from the table",
            process_id,
            path,
        )
        _discard(path, seen)
        return False
    log.info(
        "similar-claim index of process %s: %d claims loaded from %s in %.2f s",
        process_id,
        len(ix),
        path,
        time.perf_counter() - t0,
    )
    return True


def _discard(path: Path, seen: os.stat_result) -> None:
    """Delete a snapshot found unusable, unless another worker has replaced it meanwhile."""
    try:
        now = path.stat()
        if (now.st_ino, now.st_mtime_ns) == (seen.st_ino, seen.st_mtime_ns):
            path.unlink()
    except OSError:
        pass


# Snapshots are written by one thread per process, off the request that built the index; a
# save asked for while one is being written is done once after it, with the newest index.
_saving: dict[int, threading.Thread] = {}
_pending: dict[int, tuple[ClaimIndex, Path]] = {}
_slock = threading.Lock()


def _request_save(process_id: int, ix: ClaimIndex, path: Path) -> None:
    with _slock:
        _pending[process_id] = (ix, path)
        if process_id in _saving:
            return
        t = _saving[process_id] = threading.Thread(
            target=_saver, args=(process_id,), name=f"similar-snapshot-{process_id}", daemon=True
        )
    t.start()


def _saver(process_id: int) -> None:
    while True:
        with _slock:
            job = _pending.pop(process_id, None)
            if job is None:
                _saving.pop(process_id, None)
                return
        ix, path = job
        if _indexes.get(process_id) is not ix:  # replaced or reset meanwhile: not worth it
            continue
        try:
            _save(process_id, ix, path)
        except Exception:  # a full disk must not reach a user: the index still works
            log.exception("similar-claim index of process %s: snapshot not saved", process_id)


def _save(process_id: int, ix: ClaimIndex, path: Path) -> int:
    t0 = time.perf_counter()
    size = ix.save(path)
    log.info(
        "similar-claim index of process %s: snapshot of %d claims saved to %s (%.1f MB, %.2f s)",
        process_id,
        ix.saved_n,
        path,
        size / 1e6,
        time.perf_counter() - t0,
    )
    return size


def save_snapshot(process_id: int) -> int:
    """Save the process's index of this worker now (bytes written)."""
    return _save(process_id, index_for(process_id), snapshot_path(process_id))


def wait_snapshots() -> None:
    """Wait for the snapshots being written by this worker."""
    while True:
        with _slock:
            running = list(_saving.values())
        if not running:
            return
        for t in running:
            t.join()


def drop_snapshot(process_id: int) -> None:
    """Forget the process's saved index (the next start builds it from the table)."""
    snapshot_path(process_id).unlink(missing_ok=True)


@dataclass(frozen=True)
class Warmed:
    process_id: int
    claims: int
    seconds: float
    origin: str  # "snapshot" (and newer claims appended), "build", "memory" (already warm)
    saved: bool = False  # a snapshot was written for it
    error: str = ""


def warm_indexes(*, persist: bool = False) -> list[Warmed]:
    """Load or build the similar-claim index of every process that has claims, so that no
    user's first request pays for it (server start, `accord verification warm-index`).
    `persist`: wait until each index is in its snapshot. A failure is logged and reported,
    and the next process is warmed all the same."""
    _sweep_partial_saves()
    out: list[Warmed] = []
    pids = Claim.objects.order_by("process_id").values_list("process_id", flat=True).distinct()
    for pid in list(pids):
        t0 = time.perf_counter()
        had = pid in _indexes
        try:
            ix = index_for(pid)
            origin = "memory" if had else ix.origin
            seconds = time.perf_counter() - t0
            saved = False
            if persist:
                wait_snapshots()
                if ix.saved_n != len(ix):
                    _save(pid, ix, snapshot_path(pid))
                saved = True
        except Exception as exc:
            log.exception("similar-claim index of process %s: warm-up failed", pid)
            out.append(Warmed(pid, 0, time.perf_counter() - t0, "failed", error=str(exc)))
            continue
        log.info(
            "similar-claim index of process %s warm: %d claims in %.2f s (%s)",
            pid,
            len(ix),
            seconds,
            origin,
        )
        out.append(Warmed(pid, len(ix), seconds, origin, saved))
    return out


def _sweep_partial_saves(older_than: float = 3600.0) -> None:
    """Remove the temporary files of saves cut short (a server killed while writing one);
    a recent one may be another worker's save in progress."""
    folder = Path(settings.DATA_DIR) / "similar"
    for tmp in folder.glob(".*.tmp") if folder.is_dir() else ():
        try:
            if time.time() - tmp.stat().st_mtime > older_than:
                tmp.unlink()
        except OSError:
            pass


def index_claim(c: Claim) -> None:
    """Bring the index up to date after a claim was created (called after commit)."""
    index_for(c.process_id)


def reset_indexes() -> None:
    """Forget every index of this worker (tests), once the snapshots being written are out."""
    with _ilock:
        _indexes.clear()
    wait_snapshots()


def similar(viewer: Viewer, text: str, *, k: int = 5, exclude: int | None = None) -> list[Similar]:
    """Claims the viewer may read that resemble `text`, best first. The index ranks only rows
    under labels the viewer may read; each hit is re-read through access before it is shown."""
    if viewer.member is None or not (text or "").strip():
        return []
    ix = index_for(viewer.process.pk)
    hits: list[Match] = ix.query(text, access.readable_label_ids(viewer), k=k, exclude=exclude)
    if not hits:
        return []
    rows = {c.pk: c for c in claims(viewer).filter(pk__in=[h.claim_id for h in hits])}
    return [Similar(rows[h.claim_id], h.score) for h in hits if h.claim_id in rows]


def latest_assessment(viewer: Viewer, c: Claim) -> Assessment | None:
    """The newest assessment of a readable claim that the viewer may read."""
    return assessments(viewer, c).first()


# --- joint public lines ----------------------------------------------------------------------
def lines(viewer: Viewer) -> QuerySet[PublicLine]:
    """Lines the viewer may read, by their label (default: the allies, RESTRICTED) — before
    publication as after: labels decide what a member sees, roles what they may do (draft,
    approve, publish). A public line is relabelled UNCLASSIFIED when it is published."""
    if viewer.member is None:
        return PublicLine.objects.none()
    qs = PublicLine.objects.filter(process=viewer.process).select_related(
        "label", "created_by__user"
    )
    return access.readable(qs, viewer)


def line(viewer: Viewer, line_id: int) -> PublicLine:
    if not valid_id(line_id):
        raise NotFound("public line not found")
    obj = lines(viewer).filter(pk=line_id).first()
    if obj is None:
        raise NotFound("public line not found")
    return obj


def line_claims(viewer: Viewer, ln: PublicLine) -> list[Claim]:
    line(viewer, ln.pk)
    return list(claims(viewer).filter(public_lines=ln))


def line_responses(viewer: Viewer, ln: PublicLine) -> list[LineResponse]:
    line(viewer, ln.pk)
    return list(ln.responses.select_related("party", "member__user"))


def line_versions(viewer: Viewer, ln: PublicLine) -> list[PublicLine]:
    return list(lines(viewer).filter(series=ln.series).order_by("-version"))


def line_verdict(ln: PublicLine):
    from django.utils import timezone

    from accord.verification import approval

    return approval.verdict(ln, timezone.now())


def public_lines(process) -> list[PublicLine]:
    """Published public lines of a process: what anyone, signed in or not, may read."""
    qs = PublicLine.objects.filter(
        process=process, public=True, status=PublicLine.Status.PUBLISHED, label__level=0
    ).select_related("label")
    return [
        ln
        for ln in qs.order_by("-published_at")
        if ln.label.rel_to is None and not ln.label.caveats
    ]


RATING = {
    "false": (1, "False"),
    "misleading": (2, "Misleading"),
    "unproven": (3, "Unproven"),
    "true": (5, "True"),
}


def claim_reviews(ln: PublicLine, url: str, author: str) -> list[dict]:
    """schema.org ClaimReview objects, one per claim a published public line answers (only
    public claims can be in such a line: publish_line refuses others)."""
    value, name = RATING[ln.verdict]
    out = []
    for c in ln.claims.select_related("label").order_by("pk"):
        if c.label.level != 0 or c.label.rel_to is not None or c.label.caveats:
            continue
        appearances = [c.url] + [
            s.url for s in c.sources.filter(label__level=0, label__rel_to__isnull=True) if s.url
        ]
        item = {
            "@type": "Claim",
            "datePublished": c.seen_at.date().isoformat(),
            "appearance": [
                {"@type": "CreativeWork", "url": u}
                for u in dict.fromkeys(a for a in appearances if a)
            ],
        }
        if c.platform:
            item["firstAppearance"] = {
                "@type": "CreativeWork",
                "name": c.platform,
                **({"url": c.url} if c.url else {}),
            }
        out.append(
            {
                "@context": "https://schema.org",
                "@type": "ClaimReview",
                "url": f"{url}#line-{ln.pk}",
                "claimReviewed": c.text,
                "datePublished": ln.published_at.date().isoformat() if ln.published_at else None,
                "author": {"@type": "Organization", "name": author},
                "reviewRating": {
                    "@type": "Rating",
                    "ratingValue": value,
                    "bestRating": 5,
                    "worstRating": 1,
                    "alternateName": name,
                },
                "itemReviewed": item,
                "reviewBody": next(iter(ln.texts.values()), ""),
                "inLanguage": next(iter(ln.texts.keys()), "en"),
            }
        )
    return out


# --- rumour tracker ------------------------------------------------------------------------------
def tracker(viewer: Viewer) -> dict:
    """Counts over the claims the viewer may read (and the status they may read): per day and
    status, per DISARM technique, language and platform. Derived from readable rows only, so
    it carries nothing the viewer could not count themselves."""
    from collections import Counter as Tally

    days: Tally = Tally()
    tech: Tally = Tally()
    lang: Tally = Tally()
    plat: Tally = Tally()
    status: Tally = Tally()
    for seen, techniques_, language, platform, st in claims(viewer).values_list(
        "seen_at", "techniques", "language", "platform", "seen_status"
    ):
        st = st or "unstarted"
        days[(seen.date().isoformat(), st)] += 1
        for t in techniques_ or []:
            tech[t] += 1
        lang[language or "?"] += 1
        plat[platform or "not stated"] += 1
        status[st] += 1
    return {
        "days": days,
        "techniques": tech,
        "languages": lang,
        "platforms": plat,
        "status": status,
    }
