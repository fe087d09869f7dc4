//! Which CTranslate2 variable becomes which whisper.cpp tensor.
//!
//! CTranslate2's `WhisperSpec` (filled from Hugging Face's Whisper by its
//! transformers converter) names the layers after its own Transformer and
//! fuses projections: self-attention keeps query, key and value as one
//! `[3d, d]` matrix (`linear_0`), cross-attention keeps key and value as one
//! `[2d, d]` matrix (`attention/linear_1`). whisper.cpp wants OpenAI's names
//! and the three matrices apart. Rows are contiguous, so each whisper.cpp
//! tensor is a run of rows of one variable. The key projection has no bias
//! in Whisper (CTranslate2 stores zeros there); whisper.cpp has none.
//!
//! Tensors come out in the order of OpenAI's checkpoint, which
//! `convert-pt-to-ggml.py` follows; whisper.cpp finds them by name.

use std::ops::Range;

use super::ct2::{Ct2File, Variable};
use crate::{Error, Result};

/// whisper.cpp's hyper-parameters, in file order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Hparams {
    pub n_vocab: usize,
    pub n_audio_ctx: usize,
    pub n_audio_state: usize,
    pub n_audio_head: usize,
    pub n_audio_layer: usize,
    pub n_text_ctx: usize,
    pub n_text_state: usize,
    pub n_text_head: usize,
    pub n_text_layer: usize,
    pub n_mels: usize,
}

impl Hparams {
    /// The vocabulary of the multilingual models (English-only ones have 51,864).
    pub fn is_multilingual(&self) -> bool {
        self.n_vocab >= 51_865
    }

    /// OpenAI's size name, from the encoder depth: tiny, base, small, medium,
    /// large (`large-v3` with 128 mel bins, `large-v3-turbo` with 4 decoder
    /// layers); `-distil` when the decoder is otherwise shallower than the
    /// encoder (distil-whisper); the layer counts when the shape is none of
    /// those.
    pub fn size_name(&self) -> String {
        let size = match self.n_audio_layer {
            4 => "tiny",
            6 => "base",
            12 => "small",
            24 => "medium",
            32 => "large",
            _ => return format!("{}x{}", self.n_audio_layer, self.n_text_layer),
        };
        let mut name = size.to_string();
        if self.n_mels == 128 {
            name.push_str("-v3");
        }
        if size == "large" && self.n_mels == 128 && self.n_text_layer == 4 {
            name.push_str("-turbo");
        } else if self.n_text_layer < self.n_audio_layer {
            name.push_str("-distil");
        }
        name
    }
}

/// How a tensor is stored in the GGML file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Out {
    F32,
    F16,
    BF16,
}

impl Out {
    /// The GGML type id (0 = f32, 1 = f16, 30 = bf16).
    pub fn ggml_type(self) -> i32 {
        match self {
            Out::F32 => 0,
            Out::F16 => 1,
            Out::BF16 => 30,
        }
    }

    pub fn size(self) -> usize {
        match self {
            Out::F32 => 4,
            Out::F16 | Out::BF16 => 2,
        }
    }
}

/// The type of the weight matrices (whisper.cpp's `wtype`: every 2-D
/// weight, the token embedding too). Convolutions stay f16 and biases,
/// norms and positional embeddings f32 either way, as whisper.cpp expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Weights {
    /// float16: what OpenAI's `convert-pt-to-ggml.py` writes.
    #[default]
    F16,
    /// bfloat16: the same size, and whisper.cpp's tiled matrix kernels
    /// multiply it with AVX-512 BF16 instructions where the CPU has them
    /// (Zen 4, Sapphire Rapids): 8-19% less time per transcription on Zen
    /// 4, the same text on the eval recordings. Other x86 CPUs widen it to
    /// f32 as they do f16 (not measured); on Arm those kernels take f16 but
    /// not bf16, so f16 is the choice there.
    Bf16,
}

impl Weights {
    /// whisper.cpp's `ftype` header value (ggml's `GGML_FTYPE_MOSTLY_*`).
    pub fn ftype(self) -> i32 {
        match self {
            Weights::F16 => 1,
            Weights::Bf16 => 24,
        }
    }

    /// How the weight matrices of `plan` are stored.
    fn out(self) -> Out {
        match self {
            Weights::F16 => Out::F16,
            Weights::Bf16 => Out::BF16,
        }
    }

    /// `plan` with its weight matrices (2-D, not f32) stored as `self`.
    pub fn apply(self, plan: &mut [Planned]) {
        for p in plan
            .iter_mut()
            .filter(|p| p.shape.len() == 2 && p.out != Out::F32)
        {
            p.out = self.out();
        }
    }
}

impl std::fmt::Display for Weights {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Weights::F16 => "f16",
            Weights::Bf16 => "bf16",
        })
    }
}

impl std::str::FromStr for Weights {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Weights, String> {
        match s.to_ascii_lowercase().as_str() {
            "f16" | "float16" => Ok(Weights::F16),
            "bf16" | "bfloat16" => Ok(Weights::Bf16),
            _ => Err(format!("unknown weight type {s:?} (f16 or bf16)")),
        }
    }
}

/// One whisper.cpp tensor: rows of a CTranslate2 variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub name: String,
    /// The CTranslate2 variable (aliases resolved).
    pub source: String,
    pub rows: Range<usize>,
    /// OpenAI's (PyTorch) shape, outermost first; GGML writes it reversed.
    pub shape: Vec<usize>,
    pub out: Out,
}

/// Reads the hyper-parameters and lists every tensor to write.
pub fn plan(model: &Ct2File) -> Result<(Hparams, Vec<Planned>)> {
    if model.spec != "WhisperSpec" {
        return Err(Error::unsupported(
            model.path(),
            format!(
                "a CTranslate2 {} model, not Whisper (WhisperSpec)",
                model.spec
            ),
        ));
    }
    let hparams = hparams(model)?;
    let mut planner = Planner {
        model,
        hp: hparams,
        out: Vec::new(),
    };
    planner.encoder()?;
    planner.decoder()?;
    Ok((hparams, planner.out))
}

fn hparams(model: &Ct2File) -> Result<Hparams> {
    let shape = |name: &str| -> Result<Vec<usize>> { Ok(require(model, name)?.shape.clone()) };
    let (audio_pe, text_pe) = (
        shape("encoder/position_encodings/encodings")?,
        shape("decoder/position_encodings/encodings")?,
    );
    let (embeddings, conv1) = (
        shape("decoder/embeddings/weight")?,
        shape("encoder/conv1/weight")?,
    );
    let dims2 = |s: &[usize], name: &str| match s {
        [a, b] => Ok((*a, *b)),
        _ => Err(mismatch(model, name, s, "2 dimensions")),
    };
    let (n_audio_ctx, n_audio_state) = dims2(&audio_pe, "encoder/position_encodings/encodings")?;
    let (n_text_ctx, n_text_state) = dims2(&text_pe, "decoder/position_encodings/encodings")?;
    let (n_vocab, _) = dims2(&embeddings, "decoder/embeddings/weight")?;
    let n_mels = match conv1.as_slice() {
        [_, mels, 3] => *mels,
        s => {
            return Err(mismatch(
                model,
                "encoder/conv1/weight",
                s,
                "[state, mels, 3]",
            ));
        }
    };
    Ok(Hparams {
        n_vocab,
        n_audio_ctx,
        n_audio_state,
        n_audio_head: heads(model, "encoder", n_audio_state)?,
        n_audio_layer: layers(model, "encoder"),
        n_text_ctx,
        n_text_state,
        n_text_head: heads(model, "decoder", n_text_state)?,
        n_text_layer: layers(model, "decoder"),
        n_mels,
    })
}

/// `<side>/num_heads`; Whisper's heads are 64 wide when it is absent.
fn heads(model: &Ct2File, side: &str, state: usize) -> Result<usize> {
    match model.read_int(&format!("{side}/num_heads"))? {
        Some(n) if n > 0 && state.is_multiple_of(n as usize) => Ok(n as usize),
        Some(n) => Err(Error::bad(
            model.path(),
            format!("{side}/num_heads is {n}, which does not divide the width {state}"),
        )),
        None => Ok(state / 64),
    }
}

/// How many `<side>/layer_N/` there are.
fn layers(model: &Ct2File, side: &str) -> usize {
    let prefix = format!("{side}/layer_");
    (0..)
        .take_while(|i| {
            let layer = format!("{prefix}{i}/");
            model.variables().iter().any(|v| v.name.starts_with(&layer))
        })
        .count()
}

fn require<'m>(model: &'m Ct2File, name: &str) -> Result<&'m Variable> {
    model.get(name).ok_or_else(|| {
        Error::bad(
            model.path(),
            format!("no variable {name}: not a complete Whisper model"),
        )
    })
}

fn mismatch(model: &Ct2File, name: &str, shape: &[usize], want: &str) -> Error {
    Error::bad(
        model.path(),
        format!("{name} has shape {shape:?}, expected {want}"),
    )
}

struct Planner<'m> {
    model: &'m Ct2File,
    hp: Hparams,
    out: Vec<Planned>,
}

impl Planner<'_> {
    fn encoder(&mut self) -> Result<()> {
        let (d, mels) = (self.hp.n_audio_state, self.hp.n_mels);
        let ctx = self.hp.n_audio_ctx;
        self.whole(
            "encoder.positional_embedding",
            "encoder/position_encodings/encodings",
            &[ctx, d],
            Out::F32,
        )?;
        self.whole(
            "encoder.conv1.weight",
            "encoder/conv1/weight",
            &[d, mels, 3],
            Out::F16,
        )?;
        self.whole(
            "encoder.conv1.bias",
            "encoder/conv1/bias",
            &[d, 1],
            Out::F32,
        )?;
        self.whole(
            "encoder.conv2.weight",
            "encoder/conv2/weight",
            &[d, d, 3],
            Out::F16,
        )?;
        self.whole(
            "encoder.conv2.bias",
            "encoder/conv2/bias",
            &[d, 1],
            Out::F32,
        )?;
        for i in 0..self.hp.n_audio_layer {
            let (to, from) = (format!("encoder.blocks.{i}"), format!("encoder/layer_{i}"));
            self.self_attention(&to, &from, d)?;
            self.feed_forward(&to, &from, d)?;
        }
        self.norm("encoder.ln_post", "encoder/layer_norm", d)
    }

    fn decoder(&mut self) -> Result<()> {
        let d = self.hp.n_text_state;
        let (ctx, vocab) = (self.hp.n_text_ctx, self.hp.n_vocab);
        self.whole(
            "decoder.positional_embedding",
            "decoder/position_encodings/encodings",
            &[ctx, d],
            Out::F32,
        )?;
        self.whole(
            "decoder.token_embedding.weight",
            "decoder/embeddings/weight",
            &[vocab, d],
            Out::F16,
        )?;
        for i in 0..self.hp.n_text_layer {
            let (to, from) = (format!("decoder.blocks.{i}"), format!("decoder/layer_{i}"));
            self.self_attention(&to, &from, d)?;
            self.cross_attention(&to, &from, d)?;
            self.feed_forward(&to, &from, d)?;
        }
        self.norm("decoder.ln", "decoder/layer_norm", d)
    }

    /// OpenAI order: attn (query, key, value, out), attn_ln.
    fn self_attention(&mut self, to: &str, from: &str, d: usize) -> Result<()> {
        let qkv = format!("{from}/self_attention/linear_0");
        self.rows(
            &format!("{to}.attn.query.weight"),
            &format!("{qkv}/weight"),
            0..d,
            3 * d,
            &[d, d],
        )?;
        self.rows(
            &format!("{to}.attn.query.bias"),
            &format!("{qkv}/bias"),
            0..d,
            3 * d,
            &[d],
        )?;
        self.rows(
            &format!("{to}.attn.key.weight"),
            &format!("{qkv}/weight"),
            d..2 * d,
            3 * d,
            &[d, d],
        )?;
        self.rows(
            &format!("{to}.attn.value.weight"),
            &format!("{qkv}/weight"),
            2 * d..3 * d,
            3 * d,
            &[d, d],
        )?;
        self.rows(
            &format!("{to}.attn.value.bias"),
            &format!("{qkv}/bias"),
            2 * d..3 * d,
            3 * d,
            &[d],
        )?;
        self.linear(
            &format!("{to}.attn.out"),
            &format!("{from}/self_attention/linear_1"),
            d,
            d,
        )?;
        self.norm(
            &format!("{to}.attn_ln"),
            &format!("{from}/self_attention/layer_norm"),
            d,
        )
    }

    /// OpenAI order: cross_attn (query, key, value, out), cross_attn_ln.
    fn cross_attention(&mut self, to: &str, from: &str, d: usize) -> Result<()> {
        let attn = format!("{from}/attention");
        self.linear(
            &format!("{to}.cross_attn.query"),
            &format!("{attn}/linear_0"),
            d,
            d,
        )?;
        let kv = format!("{attn}/linear_1");
        self.rows(
            &format!("{to}.cross_attn.key.weight"),
            &format!("{kv}/weight"),
            0..d,
            2 * d,
            &[d, d],
        )?;
        self.rows(
            &format!("{to}.cross_attn.value.weight"),
            &format!("{kv}/weight"),
            d..2 * d,
            2 * d,
            &[d, d],
        )?;
        self.rows(
            &format!("{to}.cross_attn.value.bias"),
            &format!("{kv}/bias"),
            d..2 * d,
            2 * d,
            &[d],
        )?;
        self.linear(
            &format!("{to}.cross_attn.out"),
            &format!("{attn}/linear_2"),
            d,
            d,
        )?;
        self.norm(
            &format!("{to}.cross_attn_ln"),
            &format!("{attn}/layer_norm"),
            d,
        )
    }

    /// OpenAI order: mlp.0, mlp.2, mlp_ln.
    fn feed_forward(&mut self, to: &str, from: &str, d: usize) -> Result<()> {
        let ffn = format!("{from}/ffn");
        let hidden = self
            .model
            .get(&format!("{ffn}/linear_0/weight"))
            .map_or(4 * d, Variable::rows);
        self.linear(
            &format!("{to}.mlp.0"),
            &format!("{ffn}/linear_0"),
            hidden,
            d,
        )?;
        self.linear(
            &format!("{to}.mlp.2"),
            &format!("{ffn}/linear_1"),
            d,
            hidden,
        )?;
        self.norm(&format!("{to}.mlp_ln"), &format!("{ffn}/layer_norm"), d)
    }

    /// `<to>.weight` `[rows, cols]` (f16) and `<to>.bias` `[rows]` (f32).
    fn linear(&mut self, to: &str, from: &str, rows: usize, cols: usize) -> Result<()> {
        self.whole(
            &format!("{to}.weight"),
            &format!("{from}/weight"),
            &[rows, cols],
            Out::F16,
        )?;
        self.whole(
            &format!("{to}.bias"),
            &format!("{from}/bias"),
            &[rows],
            Out::F32,
        )
    }

    /// Layer norm: CTranslate2's gamma/beta are OpenAI's weight/bias.
    fn norm(&mut self, to: &str, from: &str, d: usize) -> Result<()> {
        self.whole(
            &format!("{to}.weight"),
            &format!("{from}/gamma"),
            &[d],
            Out::F32,
        )?;
        self.whole(
            &format!("{to}.bias"),
            &format!("{from}/beta"),
            &[d],
            Out::F32,
        )
    }

    /// A whole variable of `shape` (same element count; a conv bias gains
    /// a trailing 1 as in OpenAI's converter).
    fn whole(&mut self, to: &str, from: &str, shape: &[usize], out: Out) -> Result<()> {
        let var = require(self.model, from)?;
        let want: usize = shape.iter().product();
        if var.len() != want || var.rows() != shape[0] {
            return Err(mismatch(
                self.model,
                from,
                &var.shape,
                &format!("{shape:?}"),
            ));
        }
        self.push(to, var, 0..var.rows(), shape, out);
        Ok(())
    }

    /// Rows `rows` of a fused variable of `total` rows, giving `shape`.
    fn rows(
        &mut self,
        to: &str,
        from: &str,
        rows: Range<usize>,
        total: usize,
        shape: &[usize],
    ) -> Result<()> {
        let var = require(self.model, from)?;
        let width: usize = shape.iter().skip(1).product();
        if var.rows() != total || var.row_len() != width {
            let want = format!("{total} rows of {width}");
            return Err(mismatch(self.model, from, &var.shape, &want));
        }
        let out = if shape.len() >= 2 { Out::F16 } else { Out::F32 };
        self.push(to, var, rows, shape, out);
        Ok(())
    }

    fn push(&mut self, to: &str, var: &Variable, rows: Range<usize>, shape: &[usize], out: Out) {
        self.out.push(Planned {
            name: to.to_string(),
            source: var.name.clone(),
            rows,
            shape: shape.to_vec(),
            out,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Hparams {
        Hparams {
            n_vocab: 51_865,
            n_audio_ctx: 1500,
            n_audio_state: 512,
            n_audio_head: 8,
            n_audio_layer: 6,
            n_text_ctx: 448,
            n_text_state: 512,
            n_text_head: 8,
            n_text_layer: 6,
            n_mels: 80,
        }
    }

    #[test]
    fn size_names_follow_openai() {
        assert_eq!(base().size_name(), "base");
        assert!(base().is_multilingual());
        let en = Hparams {
            n_vocab: 51_864,
            ..base()
        };
        assert!(!en.is_multilingual());
        let turbo = Hparams {
            n_audio_layer: 32,
            n_text_layer: 4,
            n_mels: 128,
            ..base()
        };
        assert_eq!(turbo.size_name(), "large-v3-turbo");
        let distil = Hparams {
            n_audio_layer: 12,
            n_text_layer: 4,
            ..base()
        };
        assert_eq!(distil.size_name(), "small-distil");
        let odd = Hparams {
            n_audio_layer: 3,
            n_text_layer: 2,
            ..base()
        };
        assert_eq!(odd.size_name(), "3x2");
    }
}
