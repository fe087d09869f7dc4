//! Picking the next token: repeat penalty, temperature, top-k, top-p, seed.

use candle_core::{DType, Tensor};
use candle_transformers::generation::{LogitsProcessor, Sampling};

use super::GenerateParams;

pub struct Sampler {
    processor: LogitsProcessor,
    repeat_penalty: f32,
    repeat_last_n: usize,
}

impl Sampler {
    pub fn new(params: &GenerateParams) -> Sampler {
        let sampling = if params.temperature <= 0.0 {
            Sampling::ArgMax
        } else {
            let temperature = params.temperature;
            let top_p = params.top_p.clamp(0.0, 1.0);
            match (params.top_k, top_p < 1.0) {
                (0, false) => Sampling::All { temperature },
                (0, true) => Sampling::TopP {
                    p: top_p,
                    temperature,
                },
                (k, false) => Sampling::TopK { k, temperature },
                (k, true) => Sampling::TopKThenTopP {
                    k,
                    p: top_p,
                    temperature,
                },
            }
        };
        Sampler {
            processor: LogitsProcessor::from_sampling(params.seed, sampling),
            repeat_penalty: params.repeat_penalty,
            repeat_last_n: params.repeat_last_n,
        }
    }

    /// The next token, given the logits and every token so far.
    pub fn sample(&mut self, logits: &Tensor, history: &[u32]) -> candle_core::Result<u32> {
        let logits = logits.to_dtype(DType::F32)?;
        let logits = if self.repeat_penalty == 1.0 || self.repeat_last_n == 0 {
            logits
        } else {
            let start = history.len().saturating_sub(self.repeat_last_n);
            candle_transformers::utils::apply_repeat_penalty(
                &logits,
                self.repeat_penalty,
                &history[start..],
            )?
        };
        self.processor.sample(&logits)
    }
}
