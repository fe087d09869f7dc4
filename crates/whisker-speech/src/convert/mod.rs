//! CTranslate2 (faster-whisper) Whisper models to whisper.cpp GGML files.
//!
//! People have faster-whisper models on disk, and the only Whisper weights
//! a package registry carries are CTranslate2 ones; whisper.cpp reads its
//! own GGML format. [`Ct2Whisper::open`] reads a CTranslate2 model folder
//! (`model.bin` plus `vocabulary.json`, `vocabulary.txt` or
//! `tokenizer.json`) and [`Ct2Whisper::write_ggml`] writes the file
//! whisper.cpp's own `convert-pt-to-ggml.py` would write for the same
//! weights: hyper-parameters, the mel filter bank, the vocabulary as bytes,
//! then each tensor under OpenAI's name, big ones in f16 (or, with
//! [`Ct2Whisper::with_weights`], the weight matrices in bf16). Every size of
//! Whisper (tiny to large-v3, multilingual or `.en`) and every CTranslate2
//! weight type (float16, float32, bfloat16, int8, int16) converts; the output
//! depends only on the input, so a known model converts to a known sha256.
//!
//! The output is streamed a block at a time into a temporary file beside
//! the target and renamed into place at the end: a failed or cancelled
//! conversion leaves nothing behind, and memory stays at a few MB.
//!
//! ```no_run
//! use whisker_speech::convert::Ct2Whisper;
//!
//! let model = Ct2Whisper::open("models/whisper-base-ct2".as_ref())?;
//! println!("Whisper {}", model.hparams().size_name());
//! let done = model.write_ggml("/tmp/ggml-base.bin".as_ref(), &mut |_, _| true)?;
//! println!("{} tensors, sha256 {}", done.tensors, done.sha256);
//! # Ok::<(), whisker_speech::Error>(())
//! ```

mod ct2;
mod data;
mod ggml;
mod mel;
mod plan;
mod vocab;

use std::io::{self, BufWriter, Write};
use std::path::Path;

use serde::Serialize;
use sha2::{Digest, Sha256};

pub use ct2::{Ct2File, DType, Variable};
pub use ggml::MAGIC;
pub use mel::{N_FFT, SAMPLE_RATE, mel_filters};
pub use plan::{Hparams, Out, Planned, Weights};
pub use vocab::Vocabulary;

use crate::{Error, Result};

/// What a conversion wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conversion {
    pub hparams: Hparams,
    /// Tensors in the file.
    pub tensors: usize,
    /// Ordinary tokens in the file (whisper.cpp adds the special ones).
    pub vocabulary: usize,
    /// The CTranslate2 type of the weights (float16, int8, ...).
    pub source_dtype: String,
    /// How the weight matrices were written.
    pub weights: Weights,
    /// Bytes written.
    pub size: u64,
    /// Lower-case hex sha256 of the file.
    pub sha256: String,
}

/// A CTranslate2 Whisper model folder, read and checked, ready to convert.
#[derive(Debug)]
pub struct Ct2Whisper {
    model: Ct2File,
    hparams: Hparams,
    plan: Vec<Planned>,
    vocabulary: Vocabulary,
    weights: Weights,
}

impl Ct2Whisper {
    /// Reads the model's index and vocabulary (not its weights) and checks
    /// that it is a complete Whisper model.
    pub fn open(dir: &Path) -> Result<Ct2Whisper> {
        if !dir.is_dir() {
            return Err(Error::Missing {
                path: dir.to_path_buf(),
                what: "a CTranslate2 model folder",
            });
        }
        let model = Ct2File::open(&dir.join("model.bin"))?;
        let (hparams, plan) = plan::plan(&model)?;
        let vocabulary = vocab::read(dir)?;
        check_vocabulary(&vocabulary, &hparams)?;
        Ok(Ct2Whisper {
            model,
            hparams,
            plan,
            vocabulary,
            weights: Weights::default(),
        })
    }

    /// Writes the weight matrices as `weights` (f16 unless told).
    pub fn with_weights(mut self, weights: Weights) -> Ct2Whisper {
        weights.apply(&mut self.plan);
        self.weights = weights;
        self
    }

    pub fn hparams(&self) -> Hparams {
        self.hparams
    }

    /// The tensors the GGML file will hold, in order.
    pub fn plan(&self) -> &[Planned] {
        &self.plan
    }

    pub fn vocabulary(&self) -> &Vocabulary {
        &self.vocabulary
    }

    /// The CTranslate2 type of the big weights (float16, int8, ...).
    pub fn source_dtype(&self) -> &'static str {
        let weight = "encoder/layer_0/ffn/linear_0/weight";
        self.model
            .get(weight)
            .or_else(|| self.model.get("decoder/embeddings/weight"))
            .map_or("unknown", |v| v.dtype.name())
    }

    /// The size of the GGML file, in bytes.
    pub fn output_size(&self) -> u64 {
        let hp = &self.hparams;
        let header = 4 * 12;
        let mel = 8 + 4 * (hp.n_mels * (N_FFT / 2 + 1)) as u64;
        let vocab: u64 = 4 + self
            .vocabulary
            .tokens
            .iter()
            .map(|t| 4 + t.len() as u64)
            .sum::<u64>();
        let tensors: u64 = self
            .plan
            .iter()
            .map(|p| {
                let elements: usize = p.shape.iter().product();
                (12 + 4 * p.shape.len() + p.name.len() + elements * p.out.size()) as u64
            })
            .sum();
        header + mel + vocab + tensors
    }

    /// Writes the GGML file at `out` (atomically: a temporary file beside
    /// it, renamed at the end). `progress(done, total)` gets bytes written
    /// and returns false to stop, which leaves nothing behind.
    pub fn write_ggml(
        &self,
        out: &Path,
        progress: &mut dyn FnMut(u64, u64) -> bool,
    ) -> Result<Conversion> {
        let parent = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let tmp = tempfile::Builder::new()
            .prefix(".ggml-")
            .suffix(".part")
            .tempfile_in(parent)
            .map_err(|e| Error::io(parent, e))?;
        let total = self.output_size();
        let file = tmp
            .as_file()
            .try_clone()
            .map_err(|e| Error::io(tmp.path(), e))?;
        let hashing = HashingWriter::new(BufWriter::with_capacity(1 << 20, file));
        let mut writer = ggml::GgmlWriter::new(hashing);
        self.write_parts(&mut writer, tmp.path(), &mut |done| progress(done, total))?;
        let size = writer.written();
        let (sha256, buffered) = writer.into_inner().finish();
        let file = buffered
            .into_inner()
            .map_err(|e| Error::io(tmp.path(), e.into_error()))?;
        file.sync_all().map_err(|e| Error::io(tmp.path(), e))?;
        readable(tmp.path())?;
        tmp.persist(out).map_err(|e| Error::io(out, e.error))?;
        Ok(Conversion {
            hparams: self.hparams,
            tensors: self.plan.len(),
            vocabulary: self.vocabulary.tokens.len(),
            source_dtype: self.source_dtype().to_string(),
            weights: self.weights,
            size,
            sha256,
        })
    }

    fn write_parts<W: Write>(
        &self,
        writer: &mut ggml::GgmlWriter<W>,
        path: &Path,
        progress: &mut dyn FnMut(u64) -> bool,
    ) -> Result<()> {
        let hp = &self.hparams;
        let bank = mel_filters(SAMPLE_RATE, N_FFT, hp.n_mels);
        let io = |e: io::Error| Error::io(path, e);
        writer.header(hp, self.weights.ftype()).map_err(io)?;
        writer
            .mel_filters(hp.n_mels, N_FFT / 2 + 1, &bank)
            .map_err(io)?;
        writer.vocabulary(&self.vocabulary.tokens).map_err(io)?;
        for planned in &self.plan {
            writer
                .tensor_header(&planned.name, &planned.shape, planned.out)
                .map_err(io)?;
            data::write_tensor(&self.model, planned, writer, path, progress)?;
        }
        Ok(())
    }
}

/// Converts the CTranslate2 Whisper model in `dir` to the GGML file `out`,
/// its weight matrices as `weights`.
pub fn convert(
    dir: &Path,
    weights: Weights,
    out: &Path,
    progress: &mut dyn FnMut(u64, u64) -> bool,
) -> Result<Conversion> {
    Ct2Whisper::open(dir)?
        .with_weights(weights)
        .write_ggml(out, progress)
}

/// Temporary files are private (0600); a model file is as readable as any
/// other file the user writes.
fn readable(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::Permissions::from_mode(0o644);
        std::fs::set_permissions(path, mode).map_err(|e| Error::io(path, e))?;
    }
    let _ = path;
    Ok(())
}

fn check_vocabulary(vocabulary: &Vocabulary, hp: &Hparams) -> Result<()> {
    let listed_all = vocabulary
        .path
        .file_name()
        .is_some_and(|n| n != "tokenizer.json");
    if vocabulary.tokens.len() >= hp.n_vocab || (listed_all && vocabulary.listed != hp.n_vocab) {
        return Err(Error::bad(
            &vocabulary.path,
            format!(
                "{} tokens ({} ordinary) do not fit the model's {} embeddings",
                vocabulary.listed,
                vocabulary.tokens.len(),
                hp.n_vocab
            ),
        ));
    }
    Ok(())
}

/// A writer that hashes what goes through it.
///
/// `whisker_models::hash::HashingWriter` is the same twenty lines, kept
/// twice on purpose: whisker-models may not depend on speech code (it is
/// the fetcher the converter plugs into), and depending on whisker-models
/// from here would pull candle, tokenizers and an HTTP client into every
/// build of this crate, audio-only ones included. A crate of its own for
/// twenty lines is not worth it either.
struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
}

impl<W: Write> HashingWriter<W> {
    fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
        }
    }

    fn finish(self) -> (String, W) {
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
