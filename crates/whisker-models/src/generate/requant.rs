//! Re-quantizes weights whose format candle multiplies only with scalar code.
//!
//! candle 0.11 has AVX2 (run-time detected) dot products for Q4_0, Q8_0 and
//! the K-quants, but only portable scalar loops for Q4_1, Q5_0 and Q5_1 —
//! about 10× slower here. The default model (SmolLM2-135M Q4_1) is one of
//! those, so at load time such tensors are expanded and stored as Q8_0,
//! which keeps more precision than the original and takes the fast path.
//! The model is rebuilt as a GGUF in memory; files in fast formats are
//! loaded as they are.

use std::io::{Cursor, Read, Seek};

use candle_core::quantized::gguf_file::Content;
use candle_core::quantized::{GgmlDType, QTensor};
use candle_core::{Device, Result};

/// Formats without a vectorised dot product in candle on x86-64.
fn is_slow(dtype: GgmlDType) -> bool {
    matches!(dtype, GgmlDType::Q4_1 | GgmlDType::Q5_0 | GgmlDType::Q5_1)
}

/// Whether any tensor of the model would take a slow path.
pub fn needed(content: &Content) -> bool {
    cfg!(target_arch = "x86_64") && content.tensor_infos.values().any(|t| is_slow(t.ggml_dtype))
}

/// The model with every slow tensor stored as Q8_0, as an in-memory GGUF.
pub fn to_q8_0<R: Read + Seek>(
    content: &Content,
    reader: &mut R,
    device: &Device,
) -> Result<(Content, Cursor<Vec<u8>>)> {
    let mut names: Vec<&String> = content.tensor_infos.keys().collect();
    names.sort();
    let mut tensors = Vec::with_capacity(names.len());
    for name in names {
        let tensor = content.tensor(reader, name, device)?;
        let tensor = if is_slow(tensor.dtype()) && row_fits_q8_0(&tensor) {
            QTensor::quantize(&tensor.dequantize(device)?, GgmlDType::Q8_0)?
        } else {
            tensor
        };
        tensors.push((name.as_str(), tensor));
    }
    let metadata: Vec<(&str, _)> = content
        .metadata
        .iter()
        .map(|(k, v)| (k.as_str(), v))
        .collect();
    let refs: Vec<(&str, &QTensor)> = tensors.iter().map(|(n, t)| (*n, t)).collect();
    let mut buffer = Cursor::new(Vec::new());
    candle_core::quantized::gguf_file::write(&mut buffer, &metadata, &refs)?;
    buffer.set_position(0);
    let rebuilt = Content::read(&mut buffer)?;
    Ok((rebuilt, buffer))
}

/// Q8_0 stores blocks of 32 along each row.
fn row_fits_q8_0(tensor: &QTensor) -> bool {
    tensor
        .shape()
        .dims()
        .last()
        .is_some_and(|n| n % GgmlDType::Q8_0.block_size() == 0)
}
