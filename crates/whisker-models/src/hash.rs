//! Streaming sha256 of files and readers.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::observe::Observer;
use crate::{Error, Result};

/// Read and write in blocks of this size (progress and cancel checks too).
pub(crate) const BLOCK: usize = 256 * 1024;

/// Lower-case hex sha256 of a file, reporting progress to `observer`.
pub fn sha256_file(path: &Path, observer: &dyn Observer) -> Result<String> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut sink = io::sink();
    let (hash, _) = copy_hashed(file, &mut sink, 0, observer).map_err(|e| e.at(path))?;
    Ok(hash)
}

/// What can go wrong while streaming: the reader, the writer, or a cancel.
#[derive(Debug)]
pub(crate) enum CopyError {
    Read(io::Error),
    Write(io::Error),
    Cancelled,
}

impl CopyError {
    /// As an [`Error`], blaming `path` for I/O failures.
    pub(crate) fn at(self, path: &Path) -> Error {
        match self {
            CopyError::Read(e) | CopyError::Write(e) => Error::io(path, e),
            CopyError::Cancelled => Error::Cancelled,
        }
    }
}

/// Copies `reader` to `writer`, hashing the bytes; `done` counts bytes
/// already reported. Returns the hex hash and the bytes copied.
pub(crate) fn copy_hashed(
    mut reader: impl Read,
    writer: &mut impl Write,
    done: u64,
    observer: &dyn Observer,
) -> std::result::Result<(String, u64), CopyError> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; BLOCK];
    let mut copied = 0u64;
    loop {
        if observer.cancelled() {
            return Err(CopyError::Cancelled);
        }
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(CopyError::Read(e)),
        };
        hasher.update(&buf[..n]);
        writer.write_all(&buf[..n]).map_err(CopyError::Write)?;
        copied += n as u64;
        observer.advance(done + copied);
    }
    Ok((format!("{:x}", hasher.finalize()), copied))
}

/// A writer that hashes everything written through it.
pub(crate) struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
}

impl<W: Write> HashingWriter<W> {
    pub(crate) fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
        }
    }

    /// The hex hash of everything written, and the inner writer.
    pub(crate) fn finish(self) -> (String, W) {
        (format!("{:x}", self.hasher.finalize()), self.inner)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::Quiet;

    #[test]
    fn hash_of_abc_is_the_published_vector() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("abc");
        std::fs::write(&path, "abc").unwrap();
        assert_eq!(
            sha256_file(&path, &Quiet).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
