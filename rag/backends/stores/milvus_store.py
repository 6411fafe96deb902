"""The Milvus backend: a Milvus Lite file (embedded, default `index/milvus.db`) or a Milvus server by URI.

Milvus has no multi-collection transactions, so the commit point is one insert into `rag_meta`:
the manifest (split into parts sent in one request) under a new version number. Readers take the
newest version whose parts are all present. Rows carry their file's key and the build (version)
that wrote them; a snapshot reads only the (file, build) pairs its manifest names, so rows of an
interrupted build are invisible. Rows superseded by a commit stay until the next build (an old
snapshot in use stays whole); that build deletes them and any orphans. A full rebuild writes new
collections (suffixed by its version), switched at the commit. It does not lock builds (see
stores.lock) and cannot open one Lite file from two processes (Milvus Lite holds a file lock).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ...errors import (
    IndexBusy,
    IndexCorrupt,
    IndexMismatch,
    IndexMissing,
    RagError,
    StoreUnavailable,
    UsageError,
    WriteFailed,
)
from ...types import Chunk, Sentence

if TYPE_CHECKING:
    from ...settings import Settings

FIX = "run `python -m rag index --store milvus`"  # plus the --store-uri in use, if any
REBUILD = "run `python -m rag index --store milvus --full`"
FORMAT = 1
META = "rag_meta"
PART_CHARS = 60_000  # a VARCHAR holds at most 65,535 bytes; the manifest is split into parts
BATCH = 1000  # rows per insert request and ids per `in [...]` filter (gRPC messages stay small)
# "flat" is exact search; "hnsw" builds Milvus's HNSW with the FAISS backend's parameters.
INDEX = {"flat": ("FLAT", {}), "hnsw": ("HNSW", {"M": 32, "efConstruction": 80})}
CHUNK_FIELDS = ["chunk_id", "file_key", "build", "source", "start", "end", "start_line", "end_line", "page", "text"]
SENTENCE_FIELDS = ["sentence_id", "chunk_id", "file_key", "build", "start", "end"]


def file_key(source: str) -> int:
    """A 63-bit key of a source path, so filters compare integers (no quoting of paths in expressions)."""
    return int.from_bytes(hashlib.sha1(source.encode()).digest()[:8], "big") >> 1


SERVER_SCHEMES = ("http://", "https://", "tcp://", "grpc://")


def _uri(settings: Settings) -> str:
    uri = settings.store_uri or str(settings.index / "milvus.db")
    if uri.startswith(SERVER_SCHEMES):
        return uri
    if not uri.endswith(".db"):
        raise UsageError(f"a Milvus Lite file name must end in .db, not {uri!r} (or give http://host:19530)")
    return str(Path(uri).expanduser().resolve())


def _is_lite(uri: str) -> bool:
    return uri.endswith(".db") and not uri.startswith(SERVER_SCHEMES)


_clients: dict[tuple[str, str], Any] = {}
_clients_lock = threading.Lock()


def _client(uri: str, token: str) -> Any:
    """One client per location per process: Milvus Lite lets one process at a time open a file."""
    with _clients_lock:
        if (uri, token) not in _clients:
            _clients[uri, token] = _new_client(uri, token)
        return _clients[uri, token]


def release() -> None:
    """Closes this process's clients and Milvus Lite files, so another process can open them."""
    with _clients_lock:
        for (uri, _), client in _clients.items():
            client.close()
            if _is_lite(uri):
                from milvus_lite import server_manager_instance

                server_manager_instance.release_server(uri)
        _clients.clear()


def _new_client(uri: str, token: str) -> Any:
    from pymilvus import MilvusClient  # lazy: keeps `--help` instant

    _quiet_libraries()

    if _is_lite(uri) and _locked(Path(uri) / "LOCK"):
        raise IndexBusy(
            f"the Milvus Lite file {uri} is open in another process (a running app.py or rag index?); "
            "stop it, or use a Milvus server with --store-uri http://host:19530"
        )
    try:
        return MilvusClient(uri=uri, token=token, timeout=10)
    except Exception as exc:  # pymilvus raises its own exception types for every connection problem
        if _is_lite(uri):
            raise RagError(f"cannot open the Milvus Lite file {uri} ({_reason(exc)}); check --store-uri") from exc
        raise StoreUnavailable(
            f"cannot reach the Milvus server at {uri} ({_reason(exc)}); check --store-uri and RAG_STORE_TOKEN"
        ) from exc


def _quiet_libraries() -> None:
    """pymilvus and Milvus Lite log a traceback for every failed call; each failure here becomes one RagError
    line instead (its cause chained), so their logs stay off unless this module logs at DEBUG (`-v -v`)."""
    import logging

    if not logging.getLogger(__name__).isEnabledFor(logging.DEBUG):
        for name in ("pymilvus", "pymilvus.milvus_client", "milvus_lite"):
            logging.getLogger(name).setLevel(logging.CRITICAL)


def _locked(path: Path) -> bool:
    """Whether another process holds Milvus Lite's lock on its data folder (checked before it logs a traceback)."""
    import fcntl

    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return False  # a new file: nobody holds it
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)


def _reason(exc: Exception) -> str:
    return str(getattr(exc, "message", "") or exc).splitlines()[0][:200]


def _connect(settings: Settings, create: bool = False) -> Any:
    uri = _uri(settings)
    if _is_lite(uri) and not create and not Path(uri).exists():
        raise IndexMissing(f"no Milvus index at {uri}; {FIX}")
    if _is_lite(uri) and create:
        Path(uri).parent.mkdir(parents=True, exist_ok=True)
    client = _client(uri, settings.store_token or "")
    if create:
        return client  # `create` checks the commit record itself, and replaces it when damaged
    if _call("list collections", client.has_collection, META):
        _call("load the index", client.load_collection, META)  # a restarted Milvus Lite has it released
    return client


def _call(what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """A pymilvus read whose failure becomes a one-line RagError (a server gone away, a dropped collection)."""
    try:
        return fn(*args, **kwargs)
    except RagError:
        raise
    except Exception as exc:
        _raise_if_unreachable(exc, fn, args, what, "is it running? (check --store-uri)")
        if "not loaded" in _reason(exc) and args and isinstance(args[0], str) and hasattr(fn, "__self__"):
            # A restarted server has released every collection: load it again and retry once.
            try:
                fn.__self__.load_collection(args[0])
                return fn(*args, **kwargs)
            except Exception:  # noqa: BLE001 - reported below as the original failure
                pass
        raise IndexCorrupt(f"Milvus failed to {what} ({_reason(exc)}); {REBUILD}") from exc


def _write(what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """A pymilvus write; on failure nothing new was committed, so the previous index stays live."""
    try:
        return fn(*args, **kwargs)
    except RagError:
        raise
    except Exception as exc:
        _raise_if_unreachable(exc, fn, args, what, "the previous index is unchanged")
        raise WriteFailed(f"could not {what} in Milvus ({_reason(exc)}); the previous index is unchanged") from exc


def _raise_if_unreachable(exc: Exception, fn: Any, args: tuple, what: str, advice: str) -> None:
    """StoreUnavailable, naming the URI, when `exc` means the server is down rather than the request failed."""
    if _unreachable(exc):
        raise StoreUnavailable(
            f"cannot reach the Milvus server at {_uri_of(fn, args)} to {what} ({_reason(exc)}); {advice}"
        ) from exc


def _unreachable(exc: BaseException) -> bool:
    """A server that is down or unreachable, not a failed request: pymilvus's "Fail connecting to server", or
    gRPC's UNAVAILABLE anywhere in the chain. Nothing is damaged then, so no rebuild is to be advised."""
    import grpc

    chain: list[BaseException] = []
    link: BaseException | None = exc
    while link is not None and all(link is not e for e in chain):  # pymilvus raises `e from e`: a cycle
        chain.append(link)
        link = link.__cause__ or link.__context__
    return any(
        (isinstance(e, grpc.RpcError) and e.code() == grpc.StatusCode.UNAVAILABLE)
        or "Fail connecting to server" in str(getattr(e, "message", "") or e)
        for e in chain
    )


def _uri_of(fn: Any, args: tuple) -> str:
    """The location of the client a call went to: `fn` is a client's method, or takes the client first."""
    client = getattr(fn, "__self__", None) or (args[0] if args else None)
    with _clients_lock:
        return next((uri for (uri, _), c in _clients.items() if c is client), "its URI")


# The commit record


def _newest(client: Any) -> int | None:
    """The newest version whose manifest parts are all present (cheap: no manifest text is read)."""
    if not _call("list collections", client.has_collection, META):
        return None
    rows = _call("read the manifest", client.query, META, filter="version >= 0", output_fields=["version", "parts"])
    seen: dict[int, list[int]] = {}
    for row in rows:
        seen.setdefault(row["version"], [row["parts"], 0])[1] += 1
    return max((v for v, (parts, count) in seen.items() if count == parts), default=None)


def _committed(client: Any) -> tuple[int, dict] | None:
    """(version, manifest) of the newest complete commit, or None when nothing was ever committed."""
    version = _newest(client)
    if version is None:
        return None
    parts = _call(
        "read the manifest", client.query, META, filter=f"version == {version}", output_fields=["part", "text"]
    )
    try:
        return version, json.loads("".join(p["text"] for p in sorted(parts, key=lambda p: p["part"])))
    except ValueError as exc:
        raise IndexCorrupt(f"the Milvus index manifest is unreadable; {REBUILD}") from exc


def _ensure_meta(client: Any) -> None:
    from pymilvus import DataType, MilvusClient

    if client.has_collection(META):
        client.load_collection(META)
        return
    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("key", DataType.VARCHAR, max_length=64, is_primary=True)
    for name in ("version", "part", "parts"):
        schema.add_field(name, DataType.INT64)
    schema.add_field("text", DataType.VARCHAR, max_length=65_535)
    schema.add_field("vec", DataType.FLOAT_VECTOR, dim=2)  # Milvus requires a vector field; unused
    params = client.prepare_index_params()
    params.add_index(field_name="vec", index_type="FLAT", metric_type="L2")
    _create(client, META, schema, params)


def _create(client: Any, name: str, schema: Any, index: Any) -> None:
    # Index creation without waiting: pymilvus's wait asks Milvus Lite for a timestamp it does not serve.
    client.create_collection(name, schema=schema, consistency_level="Strong")
    client.create_index(name, index, sync=False)
    client.load_collection(name)


def _names(generation: int) -> tuple[str, str]:
    return f"rag_chunks_{generation}", f"rag_sentences_{generation}"


def _create_collections(client: Any, generation: int, dim: int, index_type: str) -> None:
    from pymilvus import DataType, MilvusClient

    kind, params = INDEX[index_type]
    for name, fields in zip(_names(generation), (CHUNK_FIELDS, SENTENCE_FIELDS)):
        schema = MilvusClient.create_schema(auto_id=True, enable_dynamic_field=False)
        schema.add_field("pk", DataType.INT64, is_primary=True)  # chunk ids repeat across builds: not the key
        for field in fields:
            if field in ("source", "text"):
                schema.add_field(field, DataType.VARCHAR, max_length=65_535)
            else:
                schema.add_field(field, DataType.INT64)
        schema.add_field("vec", DataType.FLOAT_VECTOR, dim=dim)
        index = client.prepare_index_params()
        # Inner product on normalized vectors is the cosine, scored exactly as the FAISS backend scores it.
        index.add_index(field_name="vec", index_type=kind, metric_type="IP", params=params)
        _create(client, name, schema, index)


# The store


class MilvusStore:
    """One committed snapshot (reads) and, while building, the rows of one new build (writes)."""

    kind = "milvus"

    def __init__(self, client: Any, manifest: dict, version: int, generation: int, previous: dict | None = None):
        self.client, self.manifest, self.generation = client, manifest, generation
        self.version = str(version) if version else ""
        self.chunk_col, self.sentence_col = _names(generation)
        self._live = {(file_key(s), b["build"]) for s, b in manifest.get("builds", {}).items()}
        self._previous = previous if previous is not None else manifest  # the commit this build replaces
        self._build = 0  # the version this build's rows carry, picked at the first write
        self._touched: set[str] = set()
        self._sentences: dict[str, int] = {}
        self._cache: tuple[tuple[int, ...], list[dict]] = ((), [])

    # Reading

    def committed(self) -> str | None:
        version = _newest(self.client)
        return None if version is None else str(version)

    def count(self) -> int:
        return int(self.manifest.get("chunk_count", 0))

    def _builds(self) -> str:
        return "[" + ", ".join(str(b) for b in sorted({b for _, b in self._live})) + "]"

    def _valid(self, row: dict) -> bool:
        return (row["file_key"], row["build"]) in self._live

    def _search(self, collection: str, vector: np.ndarray, k: int, fields: list[str]) -> list[tuple[dict, float]]:
        """Up to k live rows nearest `vector`; over-fetches as rows of other builds are dropped."""
        if not self._live:
            return []
        query = [np.asarray(vector, dtype=np.float32).reshape(-1).tolist()]
        limit = k + 10
        while True:
            ef = {"ef": max(64, limit)} if self.manifest.get("index_type") == "hnsw" else {}
            found = _call(
                "search",
                self.client.search,
                collection,
                query,
                limit=limit,
                filter=f"build in {self._builds()}",
                output_fields=fields,
                search_params={"params": ef},
            )[0]
            hits = [(h["entity"], float(h["distance"])) for h in found if self._valid(h["entity"])]
            if len(hits) >= k or len(found) < limit or limit >= 16_384:  # 16,384: Milvus's largest limit
                return hits[:k]
            limit = min(limit * 4, 16_384)

    def search(self, vector: np.ndarray, k: int) -> list[tuple[Chunk, float]]:
        return [(_chunk(row), score) for row, score in self._search(self.chunk_col, vector, k, CHUNK_FIELDS)]

    def search_sentences(self, vector: np.ndarray, k: int) -> list[tuple[Sentence, float]]:
        rows = self._search(self.sentence_col, vector, k, SENTENCE_FIELDS)
        return [(Sentence(r["sentence_id"], r["chunk_id"], r["start"], r["end"]), s) for r, s in rows]

    def _query(self, collection: str, ids: list[int], fields: list[str]) -> list[dict]:
        rows: list[dict] = []
        for i in range(0, len(ids), BATCH):
            expr = f"chunk_id in {list(ids[i : i + BATCH])} and build in {self._builds()}"
            rows += _call("read rows", self.client.query, collection, filter=expr, output_fields=fields)
        return [r for r in rows if self._valid(r)]

    def _chunk_rows(self, ids: list[int]) -> dict[int, dict]:
        """The live rows of these chunks with their vectors (the retriever asks for chunks, then vectors)."""
        if self._cache[0] != tuple(ids):
            self._cache = (tuple(ids), self._query(self.chunk_col, ids, CHUNK_FIELDS + ["vec"]) if self._live else [])
        return {r["chunk_id"]: r for r in self._cache[1]}

    def chunks(self, ids: list[int]) -> list[Chunk | None]:
        rows = self._chunk_rows(ids)
        return [_chunk(rows[i]) if i in rows else None for i in ids]

    def all_chunks(self) -> list[Chunk]:
        if not self._live:
            return []
        it = _call(
            "read rows",
            self.client.query_iterator,
            self.chunk_col,
            BATCH,
            -1,
            f"build in {self._builds()}",
            CHUNK_FIELDS,
        )
        rows: list[dict] = []
        try:
            while batch := _call("read rows", it.next):
                rows += [r for r in batch if self._valid(r)]
        finally:
            it.close()
        return [_chunk(r) for r in rows]

    def chunk_vectors(self, ids: list[int]) -> np.ndarray:
        rows = self._chunk_rows(ids)
        return np.array([rows[i]["vec"] for i in ids], dtype=np.float32).reshape(len(ids), -1)

    def sentence_vectors(self, ids: list[int]) -> list[dict[int, np.ndarray]]:
        out: dict[int, dict[int, np.ndarray]] = {i: {} for i in ids}
        if self._live:
            for r in self._query(self.sentence_col, ids, ["chunk_id", "file_key", "build", "start", "vec"]):
                out[r["chunk_id"]][r["start"]] = np.asarray(r["vec"], dtype=np.float32)
        return [out[i] for i in ids]

    # Writing

    def _new_build(self) -> int:
        if not self._build:
            # Never reused, even after an interrupted build: microseconds, above every committed version.
            self._build = max(time.time_ns() // 1000, int(self.version or 0) + 1, self.generation + 1)
        return self._build

    def delete_file(self, source: str) -> None:
        self._new_build()
        self._touched.add(source)

    def add(
        self, chunks: list[Chunk], vectors: np.ndarray, sentences: list[Sentence], sentence_vectors: np.ndarray
    ) -> None:
        build = self._new_build()
        source_of = {c.id: c.source for c in chunks}
        self._touched |= set(source_of.values())
        rows = [{**_chunk_row(c, build), "vec": v} for c, v in zip(chunks, np.asarray(vectors, dtype=np.float32))]
        sent_rows = []
        for s, v in zip(sentences, np.asarray(sentence_vectors, dtype=np.float32)):
            src = source_of[s.chunk_id]
            self._sentences[src] = self._sentences.get(src, 0) + 1
            sent_rows.append(
                {
                    "sentence_id": s.id,
                    "chunk_id": s.chunk_id,
                    "file_key": file_key(src),
                    "build": build,
                    "start": s.start,
                    "end": s.end,
                    "vec": v,
                }
            )
        for collection, batch in ((self.chunk_col, rows), (self.sentence_col, sent_rows)):
            for i in range(0, len(batch), BATCH):
                _write("write rows", self.client.insert, collection, batch[i : i + BATCH])

    def persist(self, manifest: dict) -> None:
        build = self._new_build()
        old = self.manifest.get("builds", {})
        builds = {
            s: {"build": build, "sentences": self._sentences.get(s, 0)}
            if s in self._touched or s not in old
            else old[s]
            for s in manifest["files"]
        }
        # What this commit supersedes inside the same collections; deleted by the next build.
        stale = [[file_key(s), b["build"]] for s, b in old.items() if builds.get(s) != b] if old else []
        manifest = {
            **manifest,
            "store": self.kind,
            "format": FORMAT,
            "generation": self.generation,
            "version": build,
            "builds": builds,
            "stale": stale,
            "chunk_count": sum(f["chunks"] for f in manifest["files"].values()),
            "sentence_count": sum(b["sentences"] for b in builds.values()),
        }
        text = json.dumps(manifest, ensure_ascii=False)
        parts = _split(text)
        rows = [
            {"key": f"{build}:{i}", "version": build, "part": i, "parts": len(parts), "text": p, "vec": [0.0, 0.0]}
            for i, p in enumerate(parts)
        ]
        for collection in (self.chunk_col, self.sentence_col):
            # Sealed segments: searched by their index (Lite scans unflushed rows one by one), and durable.
            _write("write rows", self.client.flush, collection)
        _write("commit the build", self.client.insert, META, rows)  # the commit point: one request
        _cleanup(self.client, manifest, self._previous, build)
        self.manifest, self.version = manifest, str(build)
        self._live = {(file_key(s), b["build"]) for s, b in builds.items()}
        self._previous, self._build, self._touched, self._sentences = manifest, 0, set(), {}


def _readable(client: Any, name: str) -> bool:
    """Whether a collection loads and answers a query (False when absent or when its files are damaged)."""
    try:
        if not client.has_collection(name):
            return False
        client.load_collection(name)
        client.query(name, filter="", output_fields=["*"], limit=1)
        return True
    except Exception:  # pymilvus raises its own types; any failure means this collection cannot be used
        return False


def _drop_damaged(client: Any, uri: str, names: list[str]) -> None:
    """Drops collections of a Milvus Lite file that cannot be read (damaged files), so a full build can
    replace them: the commit record, or the collections of the commit the new build supersedes."""
    import logging
    import shutil

    log = logging.getLogger(__name__)
    for name in names:
        try:
            exists = client.has_collection(name)
        except Exception:
            exists = True  # Milvus Lite fails `has_collection` when the collection's own files are damaged
        if exists and not _readable(client, name):
            log.warning("dropping the damaged Milvus collection %s; it is rebuilt", name)
            _write("drop a damaged collection", client.drop_collection, name)
        # Milvus Lite 3.x keeps a collection in `collections/<name>/`; without its schema.json it no longer
        # knows the collection, yet the folder blocks creating one of that name: only removing it helps.
        orphan = Path(uri) / "collections" / name
        if not exists and orphan.is_dir():
            log.warning("removing the damaged Milvus Lite collection folder %s; it is rebuilt", orphan)
            shutil.rmtree(orphan, ignore_errors=True)


def _split(text: str) -> list[str]:
    """Parts of at most 65,535 UTF-8 bytes (a character takes up to 4)."""
    size = PART_CHARS // 4 if len(text.encode()) != len(text) else PART_CHARS
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _cleanup(client: Any, new: dict, previous: dict, version: int) -> None:
    """Deletes what neither the new nor the previous commit reads: older versions, other generations,
    rows the previous commit superseded, rows of interrupted builds. Best effort: the next build retries."""
    keep_versions = {version, previous.get("version", version)}
    keep_builds = {b["build"] for m in (new, previous) for b in m.get("builds", {}).values()}
    generations = {new["generation"], previous.get("generation", new["generation"])}
    try:
        for name in client.list_collections():
            prefix, _, gen = name.rpartition("_")
            if prefix in ("rag_chunks", "rag_sentences") and gen.isdigit() and int(gen) not in generations:
                client.drop_collection(name)
        client.delete(META, filter=f"version not in {sorted(keep_versions)}")
        for name in _names(new["generation"]):
            client.delete(name, filter=f"build not in {sorted(keep_builds)}")
            pairs = previous.get("stale", []) if previous.get("generation") == new["generation"] else []
            for key, build in pairs:
                client.delete(name, filter=f"file_key == {key} and build == {build}")
    except Exception as exc:  # the commit already happened; leftovers are invisible to readers
        import logging

        logging.getLogger(__name__).warning("Milvus cleanup incomplete (%s); the next build retries", _reason(exc))


def _chunk_row(c: Chunk, build: int) -> dict:
    return {
        "chunk_id": c.id,
        "file_key": file_key(c.source),
        "build": build,
        "source": c.source,
        "start": c.start,
        "end": c.end,
        "start_line": c.start_line,
        "end_line": c.end_line,
        "page": -1 if c.page is None else c.page,
        "text": c.text,
    }


def _chunk(row: dict) -> Chunk:
    page = row["page"]
    return Chunk(
        row["chunk_id"],
        row["source"],
        row["start"],
        row["end"],
        row["start_line"],
        row["end_line"],
        row["text"],
        None if page < 0 else page,
    )


# The backend functions the factory calls


def _committed_or_missing(client: Any, settings: Settings) -> tuple[int, dict]:
    found = _committed(client)
    if found is None:
        raise IndexMissing(f"no Milvus index at {_uri(settings)}; {FIX}")
    return found


def read_manifest(settings: Settings) -> dict:
    return _committed_or_missing(_connect(settings), settings)[1]


def open(settings: Settings) -> MilvusStore:  # noqa: A001 - the backend interface's name
    """The committed snapshot, or IndexMissing / IndexCorrupt / IndexMismatch saying what to run."""
    client = _connect(settings)
    version, manifest = _committed_or_missing(client, settings)
    if manifest.get("format") != FORMAT:
        raise IndexMismatch(
            f"Milvus index at {_uri(settings)} has format {manifest.get('format')}, this version reads {FORMAT}; "
            f"{FIX} to rebuild it"
        )
    generation = manifest.get("generation", 0)
    for name in _names(generation):
        if not _call("list collections", client.has_collection, name):
            raise IndexCorrupt(f"Milvus index at {_uri(settings)} lacks collection {name}; {REBUILD}")
        _call("load the index", client.load_collection, name)
    _check_rows(client, settings, generation, manifest)
    return MilvusStore(client, manifest, version, generation)


def _check_rows(client: Any, settings: Settings, generation: int, manifest: dict) -> None:
    """IndexCorrupt when a collection holds fewer rows than the commit names (a Milvus Lite data file lost
    or reset): searching it would silently miss passages. Rows of superseded builds only add to the count."""
    wanted = (manifest.get("chunk_count", 0), manifest.get("sentence_count", 0))
    for name, want in zip(_names(generation), wanted):
        have = int(_call("read the index", client.get_collection_stats, name).get("row_count", 0))
        if have < want:
            raise IndexCorrupt(f"Milvus index at {_uri(settings)} lost rows of {name} ({have} of {want}); {FIX}")


def create(settings: Settings, manifest: dict) -> MilvusStore:
    """Empty collections of a new generation; the committed index stays live until `persist`."""
    client = _connect(settings, create=True)
    # Only a Lite file's collections are dropped when unreadable: on a server that may be a passing outage.
    uri = _uri(settings)
    lite = _is_lite(uri)
    if lite:
        _drop_damaged(client, uri, [META])
    _write("create the index", _ensure_meta, client)
    try:
        previous = _committed(client)
    except IndexCorrupt:
        previous = None
    prev_manifest = previous[1] if previous else {}
    if lite and prev_manifest:
        _drop_damaged(client, uri, list(_names(prev_manifest.get("generation", 0))))
    generation = max(time.time_ns() // 1000, (previous[0] + 1) if previous else 0)
    _write("create the index", _create_collections, client, generation, manifest["dim"], manifest["index_type"])
    store = MilvusStore(client, {}, 0, generation, prev_manifest)
    store._build = generation  # the first build of a generation carries its number
    return store
