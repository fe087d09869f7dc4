//! Whisker's own forward pass for llama-family GGUF models (SmolLM2, Llama,
//! TinyLlama, Mistral), the same computation as candle's `quantized_llama`
//! with less copying: the KV cache grows in place, query heads read their
//! shared KV head directly, q/k/v and gate/up are one product each, and the
//! weights in Q4_0, Q4_1 and Q8_0 go through [`super::quant`]'s kernels,
//! run by a [`Team`] of threads the model keeps. Tensors in other formats
//! (K-quants, F16…) keep candle's `QMatMul`.
//!
//! It does not do mixtures of experts, nor rotary dimensions smaller than
//! the head: [`Llama::supports`] says no, and candle's model runs those.

mod attention;

use std::collections::HashMap;
use std::io::{Read, Seek};
use std::sync::Arc;

use candle_core::quantized::gguf_file::{Content, Value};
use candle_core::quantized::{QMatMul, QTensor};
use candle_core::{Device, Module, Result, Tensor, bail};

use super::quant::{self, QActs, QMatrix};
use super::team::Team;
use attention::{Heads, KvCache, Rope};

/// The hyper-parameters, from the GGUF metadata.
#[derive(Debug, Clone, Copy)]
struct Config {
    layers: usize,
    embed: usize,
    heads: Heads,
    eps: f32,
}

fn meta<'a>(md: &'a HashMap<String, Value>, arch: &str, key: &str) -> Result<&'a Value> {
    md.get(&format!("{arch}.{key}"))
        .ok_or_else(|| candle_core::Error::Msg(format!("the GGUF has no {arch}.{key}")))
}

fn arch(md: &HashMap<String, Value>) -> String {
    md.get("general.architecture")
        .and_then(|v| v.to_string().ok())
        .cloned()
        .unwrap_or_else(|| "llama".into())
}

impl Config {
    fn of(md: &HashMap<String, Value>) -> Result<Config> {
        let arch = arch(md);
        let get = |key: &str| -> Result<usize> { Ok(meta(md, &arch, key)?.to_u32()? as usize) };
        let (q, embed) = (get("attention.head_count")?, get("embedding_length")?);
        let kv = get("attention.head_count_kv")?;
        if q == 0 || kv == 0 || q % kv != 0 || embed % q != 0 {
            bail!("{q} query heads, {kv} KV heads and width {embed} do not fit together");
        }
        Ok(Config {
            layers: get("block_count")?,
            embed,
            heads: Heads {
                q,
                kv,
                dim: embed / q,
            },
            eps: meta(md, &arch, "attention.layer_norm_rms_epsilon")?.to_f32()?,
        })
    }
}

/// A weight matrix: ours when we have a kernel for its format, else candle's.
#[derive(Debug, Clone)]
enum Linear {
    Ours(Arc<QMatrix>),
    Candle { inner: QMatMul, rows: usize },
}

impl Linear {
    fn new(tensor: QTensor) -> Result<Linear> {
        let (rows, cols) = tensor.shape().dims2()?;
        if quant::supported(tensor.dtype()) && cols % quant::BLOCK == 0 {
            return Ok(Linear::Ours(Arc::new(QMatrix::from_qtensor(&tensor)?)));
        }
        Ok(Linear::Candle {
            inner: QMatMul::from_qtensor(tensor)?,
            rows,
        })
    }

    fn rows(&self) -> usize {
        match self {
            Linear::Ours(m) => m.rows(),
            Linear::Candle { rows, .. } => *rows,
        }
    }

    /// `out` (tokens × rows) = `xs` (tokens × cols) · Wᵀ; `acts` holds `xs`
    /// quantized once `quantized` is set.
    fn forward(
        &self,
        xs: &[f32],
        cols: usize,
        acts: &mut QActs,
        quantized: &mut bool,
        out: &mut [f32],
        team: &Team,
    ) -> Result<()> {
        match self {
            Linear::Ours(m) => {
                if !*quantized {
                    acts.quantize(xs, cols);
                    *quantized = true;
                }
                quant::matmul(m, acts, out, team)
            }
            Linear::Candle { inner, .. } => {
                let x = Tensor::from_slice(xs, (xs.len() / cols, cols), &Device::Cpu)?;
                let y = inner.forward(&x)?.flatten_all()?.to_vec1::<f32>()?;
                out.copy_from_slice(&y);
                Ok(())
            }
        }
    }
}

/// Matrices applied to the same input, their outputs side by side per
/// token (q|k|v, gate|up); stacked into one matrix when they can be.
#[derive(Debug, Clone)]
struct Projection {
    parts: Vec<Linear>,
    rows: usize,
}

impl Projection {
    fn new(linears: Vec<Linear>) -> Projection {
        let rows = linears.iter().map(Linear::rows).sum();
        let mut parts: Vec<Linear> = Vec::new();
        for linear in linears {
            if let (Some(Linear::Ours(last)), Linear::Ours(next)) = (parts.last_mut(), &linear)
                && let Some(stacked) = last.stack(next)
            {
                *last = Arc::new(stacked);
                continue;
            }
            parts.push(linear);
        }
        Projection { parts, rows }
    }

    fn forward(&self, xs: &[f32], cols: usize, s: &mut Scratch, out: &mut Vec<f32>) -> Result<()> {
        let tokens = xs.len() / cols;
        out.clear();
        out.resize(tokens * self.rows, 0.0);
        let mut quantized = false;
        if let [only] = &self.parts[..] {
            return only.forward(xs, cols, &mut s.acts, &mut quantized, out, &s.team);
        }
        let mut first = 0;
        for part in &self.parts {
            let n = part.rows();
            s.part.clear();
            s.part.resize(tokens * n, 0.0);
            part.forward(xs, cols, &mut s.acts, &mut quantized, &mut s.part, &s.team)?;
            for (t, y) in s.part.chunks_exact(n).enumerate() {
                out[t * self.rows + first..t * self.rows + first + n].copy_from_slice(y);
            }
            first += n;
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
struct Layer {
    attn_norm: Vec<f32>,
    qkv: Projection,
    wo: Projection,
    ffn_norm: Vec<f32>,
    gate_up: Projection,
    down: Projection,
}

/// Buffers reused from token to token, and the threads that compute.
#[derive(Debug, Clone)]
struct Scratch {
    /// Shared by clones of the model (a busy team runs a second caller's
    /// products on that caller's thread alone).
    team: Arc<Team>,
    acts: QActs,
    part: Vec<f32>,
    normed: Vec<f32>,
    qkv: Vec<f32>,
    q: Vec<f32>,
    attended: Vec<f32>,
    projected: Vec<f32>,
    gate_up: Vec<f32>,
    hidden: Vec<f32>,
}

impl Scratch {
    /// Empty buffers, and a team of as many threads as rayon's pool has
    /// (`RAYON_NUM_THREADS`, which [`crate::threads`] fixes once).
    fn new() -> Scratch {
        Scratch {
            team: Arc::new(Team::new(rayon::current_num_threads())),
            acts: QActs::default(),
            part: Vec::new(),
            normed: Vec::new(),
            qkv: Vec::new(),
            q: Vec::new(),
            attended: Vec::new(),
            projected: Vec::new(),
            gate_up: Vec::new(),
            hidden: Vec::new(),
        }
    }
}

/// Token embeddings: rows looked up from the packed matrix when we have
/// one, else a dense copy (as candle keeps).
#[derive(Debug, Clone)]
enum Embeddings {
    Packed(Arc<QMatrix>),
    Dense(Vec<f32>),
}

/// The weights, and the KV cache of the conversation in progress.
#[derive(Debug, Clone)]
pub struct Llama {
    cfg: Config,
    embeddings: Embeddings,
    layers: Vec<Layer>,
    norm: Vec<f32>,
    output: Projection,
    rope: Rope,
    cache: Vec<KvCache>,
    scratch: Scratch,
}

impl Llama {
    /// Whether this implementation runs the model in `content`.
    pub fn supports(content: &Content) -> bool {
        let md = &content.metadata;
        let arch = arch(md);
        let experts = meta(md, &arch, "expert_count")
            .and_then(|v| v.to_u32())
            .unwrap_or(0);
        let rope_dim = meta(md, &arch, "rope.dimension_count").and_then(|v| v.to_u32());
        match Config::of(md) {
            Ok(cfg) => experts <= 1 && rope_dim.is_ok_and(|d| d as usize == cfg.heads.dim),
            Err(_) => false,
        }
    }

    pub fn load<R: Read + Seek>(content: &Content, reader: &mut R) -> Result<Llama> {
        let cfg = Config::of(&content.metadata)?;
        let arch = arch(&content.metadata);
        let base = meta(&content.metadata, &arch, "rope.freq_base")
            .and_then(|v| v.to_f32())
            .unwrap_or(10_000.0);
        let mut file = Tensors { content, reader };
        let embd = file.get("token_embd.weight")?;
        let (embeddings, tied) = if quant::supported(embd.dtype()) {
            let packed = Arc::new(QMatrix::from_qtensor(&embd)?);
            let tied = Linear::Ours(packed.clone());
            (Embeddings::Packed(packed), Some(tied))
        } else {
            let dense = embd.dequantize(&Device::Cpu)?.flatten_all()?.to_vec1()?;
            (Embeddings::Dense(dense), None)
        };
        let output = match (file.get("output.weight"), tied) {
            (Ok(t), _) => Linear::new(t)?,
            (Err(_), Some(tied)) => tied,
            (Err(_), None) => Linear::new(embd)?,
        };
        let layers = (0..cfg.layers)
            .map(|i| file.layer(i))
            .collect::<Result<Vec<_>>>()?;
        Ok(Llama {
            cfg,
            embeddings,
            layers,
            norm: file.vector("output_norm.weight")?,
            output: Projection::new(vec![output]),
            rope: Rope::new(cfg.heads.dim, base, false),
            cache: vec![KvCache::default(); cfg.layers],
            scratch: Scratch::new(),
        })
    }

    /// Empties the KV cache (keeping its memory for the next reply).
    pub fn clear_kv_cache(&mut self) {
        self.cache.iter_mut().for_each(KvCache::clear);
    }

    /// Logits for the token after `tokens`, the first of which is at
    /// position `start` (earlier positions are in the cache).
    pub fn forward(&mut self, tokens: &[u32], start: usize) -> Result<Vec<f32>> {
        let width = self.cfg.heads.kv * self.cfg.heads.dim;
        if tokens.is_empty() {
            bail!("no tokens to read");
        }
        for cache in &mut self.cache {
            if cache.len(width) < start {
                bail!("position {start} follows {} cached ones", cache.len(width));
            }
            cache.truncate(start, width);
        }
        let mut x = self.embed(tokens)?;
        for (layer, cache) in self.layers.iter().zip(&mut self.cache) {
            let s = &mut self.scratch;
            attention_block(layer, cache, &self.cfg, &self.rope, start, &mut x, s)?;
            mlp_block(layer, &self.cfg, &mut x, s)?;
        }
        let e = self.cfg.embed;
        let last = &x[x.len() - e..];
        let s = &mut self.scratch;
        attention::rms_norm(last, &self.norm, self.cfg.eps, &mut s.normed);
        let normed = std::mem::take(&mut s.normed);
        let mut logits = Vec::new();
        self.output.forward(&normed, e, s, &mut logits)?;
        s.normed = normed;
        Ok(logits)
    }

    fn embed(&self, tokens: &[u32]) -> Result<Vec<f32>> {
        let e = self.cfg.embed;
        let mut x = vec![0f32; tokens.len() * e];
        for (&token, row) in tokens.iter().zip(x.chunks_exact_mut(e)) {
            let t = token as usize;
            match &self.embeddings {
                Embeddings::Packed(m) if t < m.rows() => m.dequantize_row(t, row),
                Embeddings::Dense(d) if (t + 1) * e <= d.len() => {
                    row.copy_from_slice(&d[t * e..(t + 1) * e])
                }
                _ => bail!("token {token} is outside the vocabulary"),
            }
        }
        Ok(x)
    }
}

/// Reads tensors from the GGUF file.
struct Tensors<'a, R> {
    content: &'a Content,
    reader: &'a mut R,
}

impl<R: Read + Seek> Tensors<'_, R> {
    fn get(&mut self, name: &str) -> Result<QTensor> {
        self.content.tensor(self.reader, name, &Device::Cpu)
    }

    fn linear(&mut self, name: &str) -> Result<Linear> {
        Linear::new(self.get(name)?)
    }

    fn vector(&mut self, name: &str) -> Result<Vec<f32>> {
        self.get(name)?
            .dequantize(&Device::Cpu)?
            .flatten_all()?
            .to_vec1()
    }

    fn layer(&mut self, i: usize) -> Result<Layer> {
        let name = |n: &str| format!("blk.{i}.{n}.weight");
        Ok(Layer {
            attn_norm: self.vector(&name("attn_norm"))?,
            qkv: Projection::new(vec![
                self.linear(&name("attn_q"))?,
                self.linear(&name("attn_k"))?,
                self.linear(&name("attn_v"))?,
            ]),
            wo: Projection::new(vec![self.linear(&name("attn_output"))?]),
            ffn_norm: self.vector(&name("ffn_norm"))?,
            gate_up: Projection::new(vec![
                self.linear(&name("ffn_gate"))?,
                self.linear(&name("ffn_up"))?,
            ]),
            down: Projection::new(vec![self.linear(&name("ffn_down"))?]),
        })
    }
}

/// `x += attention(norm(x))`, appending this chunk's keys and values.
fn attention_block(
    layer: &Layer,
    cache: &mut KvCache,
    cfg: &Config,
    rope: &Rope,
    start: usize,
    x: &mut [f32],
    s: &mut Scratch,
) -> Result<()> {
    let Heads { q: nq, kv, dim } = cfg.heads;
    let (qd, kvd) = (nq * dim, kv * dim);
    attention::rms_norm(x, &layer.attn_norm, cfg.eps, &mut s.normed);
    let normed = std::mem::take(&mut s.normed);
    let mut qkv = std::mem::take(&mut s.qkv);
    layer.qkv.forward(&normed, cfg.embed, s, &mut qkv)?;
    s.normed = normed;
    s.q.clear();
    for (t, row) in qkv.chunks_exact_mut(qd + 2 * kvd).enumerate() {
        rope.apply(&mut row[..qd + kvd], start + t);
        s.q.extend_from_slice(&row[..qd]);
        cache.push(&row[qd..qd + kvd], &row[qd + kvd..]);
    }
    s.qkv = qkv;
    s.attended.clear();
    s.attended.resize(s.q.len(), 0.0);
    attention::attend(&s.q, cache, cfg.heads, start, &mut s.attended, &s.team);
    let attended = std::mem::take(&mut s.attended);
    let mut projected = std::mem::take(&mut s.projected);
    layer.wo.forward(&attended, qd, s, &mut projected)?;
    x.iter_mut().zip(&projected).for_each(|(x, p)| *x += p);
    s.attended = attended;
    s.projected = projected;
    Ok(())
}

/// `x += down(silu(gate(norm(x))) · up(norm(x)))`.
fn mlp_block(layer: &Layer, cfg: &Config, x: &mut [f32], s: &mut Scratch) -> Result<()> {
    attention::rms_norm(x, &layer.ffn_norm, cfg.eps, &mut s.normed);
    let normed = std::mem::take(&mut s.normed);
    let mut gate_up = std::mem::take(&mut s.gate_up);
    layer.gate_up.forward(&normed, cfg.embed, s, &mut gate_up)?;
    s.normed = normed;
    let ff = layer.gate_up.rows / 2;
    s.hidden.clear();
    for row in gate_up.chunks_exact_mut(2 * ff) {
        let (gate, up) = row.split_at_mut(ff);
        attention::swiglu(gate, up);
        s.hidden.extend_from_slice(gate);
    }
    s.gate_up = gate_up;
    let hidden = std::mem::take(&mut s.hidden);
    let mut projected = std::mem::take(&mut s.projected);
    layer.down.forward(&hidden, ff, s, &mut projected)?;
    x.iter_mut().zip(&projected).for_each(|(x, p)| *x += p);
    s.hidden = hidden;
    s.projected = projected;
    Ok(())
}

#[cfg(test)]
mod tests;
