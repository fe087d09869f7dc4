//! whisper.cpp's GGML model file, written as OpenAI's converter
//! (`models/convert-pt-to-ggml.py` in whisper.cpp) writes it. All values are
//! little-endian `i32`/`f32`:
//!
//! ```text
//! magic 0x67676d6c ("ggml")
//! n_vocab n_audio_ctx n_audio_state n_audio_head n_audio_layer
//! n_text_ctx n_text_state n_text_head n_text_layer n_mels ftype (1 = f16
//!     weights, 24 = bf16)
//! mel bank: n_mel, n_fft, then n_mel * n_fft f32
//! vocabulary: count, then per token: byte length, bytes
//! tensors until the end: n_dims, name length, type (0 f32, 1 f16, 30 bf16),
//!     dims innermost first, name, data
//! ```

use std::io::{self, Write};

use super::plan::{Hparams, Out};

/// `"ggml"` read as a little-endian u32.
pub const MAGIC: u32 = 0x6767_6d6c;
/// Writes the parts of a GGML file in order, counting bytes.
#[derive(Debug)]
pub struct GgmlWriter<W> {
    out: W,
    written: u64,
}

impl<W: Write> GgmlWriter<W> {
    pub fn new(out: W) -> Self {
        GgmlWriter { out, written: 0 }
    }

    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    pub fn into_inner(self) -> W {
        self.out
    }

    /// The magic and hyper-parameters; `ftype` says how the weight
    /// matrices are stored ([`super::Weights::ftype`]).
    pub fn header(&mut self, hp: &Hparams, ftype: i32) -> io::Result<()> {
        self.bytes(&MAGIC.to_le_bytes())?;
        let values = [
            hp.n_vocab,
            hp.n_audio_ctx,
            hp.n_audio_state,
            hp.n_audio_head,
            hp.n_audio_layer,
            hp.n_text_ctx,
            hp.n_text_state,
            hp.n_text_head,
            hp.n_text_layer,
            hp.n_mels,
        ];
        for v in values {
            self.int(v)?;
        }
        self.i32(ftype)
    }

    /// The `n_mel x n_fft` filter bank, row-major.
    pub fn mel_filters(&mut self, n_mel: usize, n_fft: usize, bank: &[f32]) -> io::Result<()> {
        self.int(n_mel)?;
        self.int(n_fft)?;
        for w in bank {
            self.bytes(&w.to_le_bytes())?;
        }
        Ok(())
    }

    pub fn vocabulary(&mut self, tokens: &[Vec<u8>]) -> io::Result<()> {
        self.int(tokens.len())?;
        for token in tokens {
            self.int(token.len())?;
            self.bytes(token)?;
        }
        Ok(())
    }

    /// A tensor's header; `shape` is outermost first (PyTorch order).
    pub fn tensor_header(&mut self, name: &str, shape: &[usize], out: Out) -> io::Result<()> {
        self.int(shape.len())?;
        self.int(name.len())?;
        self.i32(out.ggml_type())?;
        for &dim in shape.iter().rev() {
            self.int(dim)?;
        }
        self.bytes(name.as_bytes())
    }

    /// Tensor data (already in the stored type).
    pub fn bytes(&mut self, data: &[u8]) -> io::Result<()> {
        self.out.write_all(data)?;
        self.written += data.len() as u64;
        Ok(())
    }

    fn i32(&mut self, v: i32) -> io::Result<()> {
        self.bytes(&v.to_le_bytes())
    }

    fn int(&mut self, v: usize) -> io::Result<()> {
        let v = i32::try_from(v).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{v} does not fit an i32"),
            )
        })?;
        self.i32(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tensor_header_reverses_dims_as_ggml_wants() {
        let mut w = GgmlWriter::new(Vec::new());
        w.tensor_header("a.b", &[512, 80, 3], Out::F16).unwrap();
        let ints: Vec<i32> = w.out[..24]
            .chunks_exact(4)
            .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        assert_eq!(ints, [3, 3, 1, 3, 80, 512]);
        assert_eq!(&w.out[24..], b"a.b");
        assert_eq!(w.written(), 27);
    }

    #[test]
    fn magic_spells_ggml_backwards_on_disk() {
        assert_eq!(&MAGIC.to_le_bytes(), b"lmgg");
    }
}
