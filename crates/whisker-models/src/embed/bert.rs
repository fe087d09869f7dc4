//! A BERT encoder forward pass for inference, in candle ops plus the fused
//! kernels of [`super::kernels`].
//!
//! Same weights and maths as `candle_transformers::models::bert::BertModel`
//! (which this replaced after profiling), arranged for the CPU: the
//! sequences of a batch are packed end to end, without padding, so the
//! linear layers see only real tokens and attention (per sequence, in
//! [`super::attention`]) needs no mask; the query, key and value projections
//! are one matrix product; a product of a few rows (a query) runs a kernel
//! of its own ([`super::few_rows`]); bias, GELU, residual and layer norm run
//! fused and in place. Also loads XLM-R-style checkpoints (positions counted
//! from `pad_token_id + 1`).

use std::path::Path;

use candle_core::{DType, Device, IndexOp, Module, Result, Tensor, bail};
use candle_nn::{Embedding, VarBuilder};
use serde::Deserialize;

use super::attention::Attention;
use super::few_rows::Weight;
use super::kernels::{AddNorm, BiasGelu};

/// The parts of a BERT-family `config.json` the encoder uses. Optional
/// fields default to BERT's values, so the configs of all-MiniLM, bge and e5
/// (which names `XLMRobertaTokenizer` but is a BERT) all load.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct Config {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    #[serde(default = "default_act")]
    pub hidden_act: String,
    #[serde(default = "default_positions")]
    pub max_position_embeddings: usize,
    #[serde(default = "default_eps")]
    pub layer_norm_eps: f64,
    #[serde(default)]
    pub pad_token_id: usize,
    #[serde(default)]
    pub model_type: Option<String>,
    #[serde(default)]
    pub position_embedding_type: Option<String>,
}

fn default_act() -> String {
    "gelu".into()
}
fn default_positions() -> usize {
    512
}
fn default_eps() -> f64 {
    1e-12
}

impl Config {
    /// First position id: RoBERTa-style models count from `pad_token_id + 1`.
    pub fn position_offset(&self) -> usize {
        match self.model_type.as_deref() {
            Some("roberta" | "xlm-roberta" | "camembert") => self.pad_token_id + 1,
            _ => 0,
        }
    }

    /// Longest input the position table allows.
    pub fn max_tokens(&self) -> usize {
        self.max_position_embeddings
            .saturating_sub(self.position_offset())
    }

    /// What this encoder cannot run, said before loading any weight.
    pub fn check(&self) -> std::result::Result<(), String> {
        if !matches!(self.hidden_act.as_str(), "gelu" | "gelu_python") {
            return Err(format!(
                "hidden_act '{}' is not supported (gelu only)",
                self.hidden_act
            ));
        }
        if let Some(p) = self
            .position_embedding_type
            .as_deref()
            .filter(|p| *p != "absolute")
        {
            return Err(format!("position_embedding_type '{p}' is not supported"));
        }
        if self.num_attention_heads == 0
            || !self.hidden_size.is_multiple_of(self.num_attention_heads)
        {
            return Err("hidden_size is not a multiple of num_attention_heads".into());
        }
        Ok(())
    }
}

/// Memory-maps the safetensors weights, converting to f32 on use.
#[allow(unsafe_code)]
fn mmap_weights(path: &Path, device: &Device) -> Result<VarBuilder<'static>> {
    // SAFETY: the map is read-only and model files are never modified in
    // place (installs write a new file and rename it over the old one).
    unsafe { VarBuilder::from_mmaped_safetensors(&[path], DType::F32, device) }
}

/// A linear layer's weight, `(out, in)` as stored, and its bias.
fn linear(vb: VarBuilder, inp: usize, out: usize) -> Result<(Tensor, Vec<f32>)> {
    let w = vb.get((out, inp), "weight")?;
    let b = vb.get(out, "bias")?.to_vec1::<f32>()?;
    Ok((w, b))
}

/// Layer norm parameters as an [`AddNorm`] (`weight`/`bias`, or the
/// `gamma`/`beta` of old TensorFlow exports), with the bias of the linear
/// layer before it.
fn add_norm(vb: VarBuilder, dims: usize, eps: f64, bias: Option<Vec<f32>>) -> Result<AddNorm> {
    let (g, b) = match vb.get(dims, "weight") {
        Ok(g) => (g, vb.get(dims, "bias")?),
        Err(_) => (vb.get(dims, "gamma")?, vb.get(dims, "beta")?),
    };
    Ok(AddNorm {
        bias,
        gamma: g.to_vec1()?,
        beta: b.to_vec1()?,
        eps: eps as f32,
    })
}

struct Layer {
    qkv: Weight,
    qkv_bias: Vec<f32>,
    out: Weight,
    out_norm: AddNorm,
    up: Weight,
    up_act: BiasGelu,
    down: Weight,
    down_norm: AddNorm,
    heads: usize,
}

impl Layer {
    fn load(vb: VarBuilder, c: &Config) -> Result<Self> {
        let (h, i) = (c.hidden_size, c.intermediate_size);
        let attn = vb.pp("attention");
        let (q, qb) = linear(attn.pp("self.query"), h, h)?;
        let (k, kb) = linear(attn.pp("self.key"), h, h)?;
        let (v, vb_) = linear(attn.pp("self.value"), h, h)?;
        let (out, out_b) = linear(attn.pp("output.dense"), h, h)?;
        let (up, up_b) = linear(vb.pp("intermediate.dense"), h, i)?;
        let (down, down_b) = linear(vb.pp("output.dense"), i, h)?;
        let eps = c.layer_norm_eps;
        Ok(Self {
            qkv: Weight::new(Tensor::cat(&[q, k, v], 0)?)?,
            qkv_bias: [qb, kb, vb_].concat(),
            out: Weight::new(out)?,
            out_norm: add_norm(attn.pp("output.LayerNorm"), h, eps, Some(out_b))?,
            up: Weight::new(up)?,
            up_act: BiasGelu { bias: up_b },
            down: Weight::new(down)?,
            down_norm: add_norm(vb.pp("output.LayerNorm"), h, eps, Some(down_b))?,
            heads: c.num_attention_heads,
        })
    }

    /// `xs`: `(N, H)` hidden states of packed sequences of `lens` tokens.
    fn forward(&self, xs: &Tensor, lens: &[usize]) -> Result<Tensor> {
        let attention = Attention {
            bias: self.qkv_bias.clone(),
            heads: self.heads,
            lens: lens.to_vec(),
        };
        let ctx = self.qkv.forward(xs)?.apply_op1_no_bwd(&attention)?;
        let attn = self.out.forward(&ctx)?;
        attn.inplace_op2(xs, &self.out_norm)?;
        let up = self.up.forward(&attn)?;
        up.inplace_op1(&self.up_act)?;
        let down = self.down.forward(&up)?;
        down.inplace_op2(&attn, &self.down_norm)?;
        Ok(down)
    }
}

/// The encoder: embeddings and layers, weights in memory as f32.
pub(crate) struct Encoder {
    words: Embedding,
    /// Position embeddings from the model's first position id, plus the
    /// token-type-0 embedding (every input here is a single segment).
    positions: Tensor,
    embed_norm: AddNorm,
    layers: Vec<Layer>,
    pub config: Config,
}

impl Encoder {
    pub fn load(config: Config, weights: &Path, device: &Device) -> Result<Self> {
        if let Err(e) = config.check() {
            bail!("{e}");
        }
        let vb = model_root(mmap_weights(weights, device)?, &config);
        let (h, emb) = (config.hidden_size, vb.pp("embeddings"));
        let table = emb.get((config.vocab_size, h), "word_embeddings.weight")?;
        let positions = emb
            .get(
                (config.max_position_embeddings, h),
                "position_embeddings.weight",
            )?
            .narrow(0, config.position_offset(), config.max_tokens())?;
        let token_type = emb.get_unchecked("token_type_embeddings.weight")?.i(0)?;
        let layers = (0..config.num_hidden_layers)
            .map(|i| Layer::load(vb.pp(format!("encoder.layer.{i}")), &config))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            words: Embedding::new(table, h),
            positions: positions.broadcast_add(&token_type)?.contiguous()?,
            embed_norm: add_norm(emb.pp("LayerNorm"), h, config.layer_norm_eps, None)?,
            layers,
            config,
        })
    }

    /// Token vectors `(N, H)` for `ids`: sequences of `lens` tokens packed
    /// end to end (N = the sum of `lens`).
    pub fn forward(&self, ids: &[u32], lens: &[usize]) -> Result<Tensor> {
        let max_len = self.positions.dim(0)?;
        if let Some(len) = lens.iter().find(|&&len| len > max_len) {
            bail!("{len} tokens, the model takes at most {max_len}");
        }
        let device = self.positions.device();
        let positions: Vec<u32> = lens.iter().flat_map(|&len| 0..len as u32).collect();
        let positions = Tensor::from_vec(positions, ids.len(), device)?;
        let xs = self
            .words
            .forward(&Tensor::from_slice(ids, ids.len(), device)?)?;
        xs.inplace_op2(
            &self.positions.index_select(&positions, 0)?,
            &self.embed_norm,
        )?;
        self.layers
            .iter()
            .try_fold(xs, |xs, layer| layer.forward(&xs, lens))
    }
}

/// Where the weights live: at the root, or under `bert.` / `<model_type>.`
/// (checkpoints saved from a task model).
fn model_root<'a>(vb: VarBuilder<'a>, config: &Config) -> VarBuilder<'a> {
    let key = "embeddings.word_embeddings.weight";
    let prefixes = [
        "bert",
        "roberta",
        config.model_type.as_deref().unwrap_or("bert"),
    ];
    if vb.contains_tensor(key) {
        return vb;
    }
    match prefixes
        .iter()
        .find(|p| vb.contains_tensor(&format!("{p}.{key}")))
    {
        Some(p) => vb.pp(*p),
        None => vb,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// multilingual-e5-small's config.json: a BERT that names the XLM-R tokenizer.
    const E5_SMALL: &str = r#"{"architectures": ["BertModel"], "attention_probs_dropout_prob": 0.1,
        "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "hidden_size": 384, "initializer_range": 0.02,
        "intermediate_size": 1536, "layer_norm_eps": 1e-12, "max_position_embeddings": 512,
        "model_type": "bert", "num_attention_heads": 12, "num_hidden_layers": 12, "pad_token_id": 0,
        "position_embedding_type": "absolute", "tokenizer_class": "XLMRobertaTokenizer",
        "torch_dtype": "float16", "transformers_version": "4.29.0.dev0", "type_vocab_size": 2,
        "use_cache": true, "vocab_size": 250037}"#;

    /// bge-small-zh-v1.5's config.json (512 wide, 4 layers; bge-small-en-v1.5
    /// is 384 wide with 12 layers).
    const BGE_SMALL_ZH: &str = r#"{"architectures": ["BertModel"], "attention_probs_dropout_prob": 0.1,
        "classifier_dropout": null, "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "hidden_size": 512,
        "id2label": {"0": "LABEL_0"}, "initializer_range": 0.02, "intermediate_size": 2048,
        "label2id": {"LABEL_0": 0}, "layer_norm_eps": 1e-12, "max_position_embeddings": 512,
        "model_type": "bert", "num_attention_heads": 8, "num_hidden_layers": 4, "pad_token_id": 0,
        "position_embedding_type": "absolute", "torch_dtype": "float32", "type_vocab_size": 2,
        "use_cache": true, "vocab_size": 21128}"#;

    #[test]
    fn configs_of_the_alternative_models_load() {
        for text in [E5_SMALL, BGE_SMALL_ZH] {
            let config: Config = serde_json::from_str(text).unwrap();
            config.check().unwrap();
            assert_eq!((config.position_offset(), config.max_tokens()), (0, 512));
        }
    }

    #[test]
    fn roberta_style_positions_start_after_the_padding_id() {
        let config: Config = serde_json::from_str(
            r#"{"model_type": "xlm-roberta", "vocab_size": 10, "hidden_size": 4, "num_hidden_layers": 1,
                "num_attention_heads": 2, "intermediate_size": 8, "max_position_embeddings": 514,
                "pad_token_id": 1, "layer_norm_eps": 1e-5, "type_vocab_size": 1}"#,
        )
        .unwrap();
        assert_eq!((config.position_offset(), config.max_tokens()), (2, 512));
    }

    #[test]
    fn unsupported_activations_are_refused_up_front() {
        let text = E5_SMALL.replace(r#""hidden_act": "gelu""#, r#""hidden_act": "silu""#);
        let config: Config = serde_json::from_str(&text).unwrap();
        assert!(config.check().unwrap_err().contains("silu"));
    }

    /// A tiny random BERT saved in f16 under a `bert.` prefix loads, and a
    /// sequence gives the same vectors alone and packed after another one.
    #[test]
    fn tiny_f16_checkpoint_loads_and_packs() {
        let (h, i, vocab, dev) = (8, 16, 20, Device::Cpu);
        let mut tensors = HashMap::new();
        let mut put = |name: &str, shape: &[usize]| {
            let t = Tensor::randn(0f32, 0.5, shape, &dev).unwrap();
            tensors.insert(format!("bert.{name}"), t.to_dtype(DType::F16).unwrap());
        };
        put("embeddings.word_embeddings.weight", &[vocab, h]);
        put("embeddings.position_embeddings.weight", &[16, h]);
        put("embeddings.token_type_embeddings.weight", &[2, h]);
        for p in [
            "embeddings.LayerNorm",
            "encoder.layer.0.attention.output.LayerNorm",
            "encoder.layer.0.output.LayerNorm",
        ] {
            put(&format!("{p}.weight"), &[h]);
            put(&format!("{p}.bias"), &[h]);
        }
        let l = "encoder.layer.0";
        for (name, out, inp) in [
            ("attention.self.query", h, h),
            ("attention.self.key", h, h),
            ("attention.self.value", h, h),
            ("attention.output.dense", h, h),
            ("intermediate.dense", i, h),
            ("output.dense", h, i),
        ] {
            put(&format!("{l}.{name}.weight"), &[out, inp]);
            put(&format!("{l}.{name}.bias"), &[out]);
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.safetensors");
        candle_core::safetensors::save(&tensors, &path).unwrap();
        let config: Config = serde_json::from_str(
            r#"{"vocab_size": 20, "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2,
                "intermediate_size": 16, "max_position_embeddings": 16}"#,
        )
        .unwrap();
        let encoder = Encoder::load(config, &path, &dev).unwrap();
        let alone = encoder
            .forward(&[3, 4, 5], &[3])
            .unwrap()
            .to_vec2::<f32>()
            .unwrap();
        let packed = encoder
            .forward(&[7, 8, 3, 4, 5], &[2, 3])
            .unwrap()
            .to_vec2::<f32>()
            .unwrap();
        for (a, b) in alone.iter().flatten().zip(packed[2..].iter().flatten()) {
            assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        }
        assert!(
            encoder.forward(&[1; 17], &[17]).is_err(),
            "longer than the position table"
        );
    }
}
