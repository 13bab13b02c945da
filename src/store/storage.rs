//! Where uploaded documents are kept (issue 14): one small interface, [`Storage`], over the
//! `object_store` crate — a local directory (`PEIYU_DATA_DIR/documents` by default) or an
//! S3-compatible bucket (`PEIYU_STORAGE_URL=s3://bucket[/prefix]`, with the usual `AWS_*`
//! variables), so several servers can share the documents.
//!
//! Keys are random ([`Storage::new_key`]), never a file name. A put is atomic (the local
//! directory writes a staging file and renames it; a bucket's PUT is all or nothing), so a
//! failed upload leaves no partial object.
//!
//! `object_store` is async. Its I/O runs on a small runtime of its own, so the sync use cases
//! (on actix's blocking threads), the daily job and the CLI call [`Storage::put`],
//! [`Storage::delete`] and [`Storage::list`] as plain functions, and a download's chunks are
//! handed to whichever runtime serves the response ([`Storage::read`]).

use super::StoreError;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use object_store::chunked::ChunkedStore;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use tokio::runtime::Runtime;

/// The folder under `PEIYU_DATA_DIR` that holds documents by default.
pub const DOCUMENTS_DIR: &str = "documents";

/// Chunks a local file is read in for a download.
const LOCAL_CHUNK: usize = 256 * 1024;

/// The documents' storage. Cheap to clone; every clone uses the same store.
#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    describe: String,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Storage")
            .field("at", &self.describe)
            .finish_non_exhaustive()
    }
}

/// Where documents go, as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A directory on this machine.
    Local(PathBuf),
    /// An S3-compatible bucket, and the prefix of every key in it (may be empty).
    S3 {
        /// Bucket name.
        bucket: String,
        /// Key prefix, without slashes at its ends.
        prefix: String,
    },
}

impl Location {
    /// The location `url` names (`s3://bucket[/prefix]`, or `file:///path` for a directory),
    /// or, when it is unset or blank, `data_dir/documents`. An error says what is wrong and
    /// names PEIYU_STORAGE_URL.
    pub fn parse(url: Option<&str>, data_dir: &Path) -> Result<Location, String> {
        let url = url.map(str::trim).unwrap_or("");
        if url.is_empty() {
            return Ok(Location::Local(data_dir.join(DOCUMENTS_DIR)));
        }
        if let Some(path) = url.strip_prefix("file://") {
            if !path.starts_with('/') {
                return Err(format!(
                    "PEIYU_STORAGE_URL '{url}': a file:// URL needs an absolute path (file:///srv/peiyu/documents)"
                ));
            }
            return Ok(Location::Local(PathBuf::from(path)));
        }
        if let Some(rest) = url.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            let valid = !bucket.is_empty()
                && bucket.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.'
                });
            if !valid {
                return Err(format!(
                    "PEIYU_STORAGE_URL '{url}': name a bucket (lower-case letters, digits, '-' and '.'), as s3://bucket or s3://bucket/prefix"
                ));
            }
            return Ok(Location::S3 {
                bucket: bucket.to_string(),
                prefix: prefix.trim_matches('/').to_string(),
            });
        }
        Err(format!(
            "PEIYU_STORAGE_URL '{url}' is neither s3://bucket[/prefix] nor file:///path"
        ))
    }
}

/// The runtime that runs every storage operation (two workers; the local directory's reads
/// and writes go to its blocking pool).
fn runtime() -> Result<&'static Runtime, StoreError> {
    static RT: OnceLock<Result<Runtime, String>> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("peiyu-storage")
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| StoreError::Storage(format!("cannot start the storage runtime: {e}")))
}

/// Start `fut` on the storage runtime; its answer arrives on the receiver.
fn start<T, F>(fut: F) -> Result<std::sync::mpsc::Receiver<T>, StoreError>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    runtime()?.spawn(async move {
        // The caller may have given up (it panicked); nothing to tell then.
        let _ = tx.send(fut.await);
    });
    Ok(rx)
}

/// Wait for what [`start`] started.
fn wait<T>(rx: std::sync::mpsc::Receiver<T>) -> Result<T, StoreError> {
    rx.recv()
        .map_err(|_| StoreError::Storage("a storage task ended without an answer".into()))
}

/// Run `fut` on the storage runtime and wait for it on this thread.
fn run<T, F>(fut: F) -> Result<T, StoreError>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    wait(start(fut)?)
}

fn failed(what: &str, e: &object_store::Error) -> StoreError {
    StoreError::Storage(format!("{what}: {e}"))
}

/// An object's key and when it was last written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// Its key.
    pub key: String,
    /// When it was written.
    pub modified: DateTime<Utc>,
}

/// A download: its size, and its bytes as they arrive.
pub struct Download {
    /// Bytes in all.
    pub size: u64,
    /// The bytes.
    pub body: ByteStream,
}

/// The chunks of a download, fed by the storage runtime.
pub struct ByteStream(tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>);

impl futures_core::Stream for ByteStream {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}

impl Storage {
    /// The storage at `location`: a local directory is created if missing; a bucket is not
    /// contacted until used (its credentials, region and endpoint come from the `AWS_*`
    /// variables: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT`
    /// and `AWS_ALLOW_HTTP` for an S3-compatible server).
    pub fn open(location: &Location) -> Result<Storage, StoreError> {
        match location {
            Location::Local(dir) => Storage::local(dir),
            Location::S3 { bucket, prefix } => {
                let s3 = object_store::aws::AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .build()
                    .map_err(|e| failed("configure the S3 bucket", &e))?;
                let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
                    Arc::new(s3)
                } else {
                    Arc::new(PrefixStore::new(s3, prefix.as_str()))
                };
                Ok(Storage {
                    store,
                    describe: format!("s3://{bucket}/{prefix}"),
                })
            }
        }
    }

    /// The storage in the local directory `dir` (created if missing).
    pub fn local(dir: &Path) -> Result<Storage, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::Storage(format!(
                "cannot create the directory {}: {e}",
                dir.display()
            ))
        })?;
        let fs = LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| failed("open the documents directory", &e))?
            .with_automatic_cleanup(true);
        Ok(Storage {
            store: Arc::new(ChunkedStore::new(Arc::new(fs), LOCAL_CHUNK)),
            describe: dir.display().to_string(),
        })
    }

    /// Where it keeps documents, for logs.
    pub fn describe(&self) -> &str {
        &self.describe
    }

    /// A new random key: 128 random bits in hex, under a folder of its first two digits (so no
    /// directory holds every document).
    pub fn new_key() -> String {
        let hex: String = rand::random::<[u8; 16]>()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("{}/{hex}", &hex[..2])
    }

    /// Whether `key` has the shape [`Storage::new_key`] gives (so the sweep never touches a
    /// file it did not make, should the storage share its place with anything else).
    pub fn is_key(key: &str) -> bool {
        let hex = |s: &str| s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        match key.split_once('/') {
            Some((dir, name)) => {
                dir.len() == 2 && name.len() == 32 && hex(name) && name.starts_with(dir)
            }
            None => false,
        }
    }

    /// Store `bytes` under `key`, all or nothing.
    pub fn put(&self, key: &str, bytes: impl Into<Bytes>) -> Result<(), StoreError> {
        self.put_while(key, bytes.into(), || ()).0
    }

    /// [`Storage::put`], while this thread runs `meanwhile` (an upload's hash is computed as
    /// its bytes are written); returns both results.
    pub fn put_while<M>(
        &self,
        key: &str,
        bytes: Bytes,
        meanwhile: impl FnOnce() -> M,
    ) -> (Result<(), StoreError>, M) {
        let store = Arc::clone(&self.store);
        let path = ObjectPath::from(key);
        let started = start(async move { store.put(&path, PutPayload::from(bytes)).await });
        let m = meanwhile();
        let stored = started
            .and_then(wait)
            .and_then(|r| r.map(|_| ()).map_err(|e| failed("store a document", &e)));
        (stored, m)
    }

    /// Remove `key`; a key that is already gone is not an error.
    pub fn delete(&self, key: &str) -> Result<(), StoreError> {
        let store = Arc::clone(&self.store);
        let path = ObjectPath::from(key);
        match run(async move { store.delete(&path).await })? {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(failed("delete a document", &e)),
        }
    }

    /// Every key, with when it was written.
    pub fn list(&self) -> Result<Vec<Listed>, StoreError> {
        let store = Arc::clone(&self.store);
        run(async move {
            let mut out = Vec::new();
            let mut s = store.list(None);
            while let Some(meta) = s.next().await {
                let meta = meta.map_err(|e| failed("list the documents", &e))?;
                out.push(Listed {
                    key: meta.location.to_string(),
                    modified: meta.last_modified,
                });
            }
            Ok(out)
        })?
    }

    /// The whole object under `key` (for tests and tools; pages stream with [`Storage::read`]).
    pub fn get(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        let store = Arc::clone(&self.store);
        let path = ObjectPath::from(key);
        run(async move {
            let r = store.get(&path).await?;
            r.bytes().await
        })?
        .map(|b| b.to_vec())
        .map_err(|e| failed("read a document", &e))
    }

    /// Open `key` for streaming from any async context: its size once the store has found it,
    /// then its chunks. A missing object is [`StoreError::NotFound`].
    pub async fn read(&self, key: &str) -> Result<Download, StoreError> {
        let store = Arc::clone(&self.store);
        let path = ObjectPath::from(key);
        let (found_tx, found_rx) = tokio::sync::oneshot::channel();
        let (tx, rx) = tokio::sync::mpsc::channel(8);
        runtime()?.spawn(async move {
            let r = match store.get(&path).await {
                Ok(r) => r,
                Err(e) => {
                    let _ = found_tx.send(Err(e));
                    return;
                }
            };
            if found_tx.send(Ok(r.meta.size)).is_err() {
                return;
            }
            let mut chunks = r.into_stream();
            while let Some(chunk) = chunks.next().await {
                let end = chunk.is_err();
                let chunk = chunk.map_err(std::io::Error::other);
                // The client went away: stop reading.
                if tx.send(chunk).await.is_err() || end {
                    return;
                }
            }
        });
        let size = found_rx
            .await
            .map_err(|_| StoreError::Storage("a storage task ended without an answer".into()))?
            .map_err(|e| match e {
                object_store::Error::NotFound { .. } => StoreError::NotFound,
                e => failed("read a document", &e),
            })?;
        Ok(Download {
            size,
            body: ByteStream(rx),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_location_is_the_data_directory_unless_a_url_names_another() {
        let data = Path::new("/var/lib/peiyu");
        assert_eq!(
            Location::parse(None, data),
            Ok(Location::Local(PathBuf::from("/var/lib/peiyu/documents")))
        );
        assert_eq!(
            Location::parse(Some("  "), data),
            Ok(Location::Local(PathBuf::from("/var/lib/peiyu/documents")))
        );
        assert_eq!(
            Location::parse(Some("s3://peiyu-docs/city/"), data),
            Ok(Location::S3 {
                bucket: "peiyu-docs".into(),
                prefix: "city".into()
            })
        );
        assert_eq!(
            Location::parse(Some("file:///srv/docs"), data),
            Ok(Location::Local(PathBuf::from("/srv/docs")))
        );
        for bad in [
            "s3://",
            "s3://Bad_Bucket",
            "ftp://x",
            "file://relative",
            "/srv/docs",
        ] {
            let e = Location::parse(Some(bad), data).unwrap_err();
            assert!(e.contains("PEIYU_STORAGE_URL"), "{bad}: {e}");
        }
    }

    #[test]
    fn a_bucket_is_configured_without_being_contacted() {
        let s = Storage::open(&Location::S3 {
            bucket: "peiyu-docs".into(),
            prefix: "city".into(),
        })
        .unwrap();
        assert_eq!(s.describe(), "s3://peiyu-docs/city");
    }

    #[test]
    fn a_local_directory_puts_lists_reads_and_deletes_by_key() {
        let dir = tempfile::tempdir().unwrap();
        let s = Storage::local(&dir.path().join("documents")).unwrap();
        let key = Storage::new_key();
        assert!(Storage::is_key(&key), "{key}");
        for other in [
            "ab/cd",
            "report.pdf",
            "zz/zz000000000000000000000000000000",
            &key[3..],
        ] {
            assert!(!Storage::is_key(other), "{other}");
        }
        s.put(&key, b"%PDF-1.4 hello".to_vec()).unwrap();
        assert_eq!(s.get(&key).unwrap(), b"%PDF-1.4 hello");
        let listed = s.list().unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].key, key);
        s.delete(&key).unwrap();
        s.delete(&key).unwrap();
        assert!(s.list().unwrap().is_empty());
        assert!(matches!(s.get(&key), Err(StoreError::Storage(_))));
    }
}
