//! Tensor data from CTranslate2's types to whisper.cpp's f16/bf16/f32, a block
//! of rows at a time (at most a few MB in memory, whatever the model size).
//!
//! float16, bfloat16 and float32 copy through, or round to the nearest f16
//! or bf16 (as numpy's `astype` and ggml's own conversion do; bf16 holds
//! every f16 weight to its 8 leading bits). bfloat16 widens exactly. int8
//! and int16 are CTranslate2's quantised weights: `value = q / scale`, with
//! one scale per row (`<name>_scale`, int8) or one for the tensor (int16).

use std::io::Write;
use std::path::Path;

use half::{bf16, f16};

use super::ct2::{Ct2File, DType, Variable, decode};
use super::ggml::GgmlWriter;
use super::plan::{Out, Planned};
use crate::{Error, Result};

/// Elements converted per block.
const BLOCK: usize = 1 << 20;

/// Writes the data of one planned tensor; `progress` gets the bytes written
/// so far and returns false to stop.
pub(super) fn write_tensor<W: Write>(
    model: &Ct2File,
    planned: &Planned,
    writer: &mut GgmlWriter<W>,
    out_path: &Path,
    progress: &mut dyn FnMut(u64) -> bool,
) -> Result<()> {
    let var = model
        .get(&planned.source)
        .ok_or_else(|| Error::bad(model.path(), format!("no variable {}", planned.source)))?;
    let scales = scales(model, var)?;
    let rows_per_block = (BLOCK / var.row_len().max(1)).max(1);
    let mut row = planned.rows.start;
    while row < planned.rows.end {
        let end = (row + rows_per_block).min(planned.rows.end);
        let raw = model.read_rows(var, row..end)?;
        let data = encode(&raw, var, scales.as_deref(), row, planned.out);
        writer.bytes(&data).map_err(|e| Error::io(out_path, e))?;
        if !progress(writer.written()) {
            return Err(Error::Cancelled);
        }
        row = end;
    }
    Ok(())
}

/// The dequantisation scales of an integer variable (`None` for floats).
fn scales(model: &Ct2File, var: &Variable) -> Result<Option<Vec<f32>>> {
    match var.dtype {
        DType::F32 | DType::F16 | DType::BF16 => Ok(None),
        DType::I8 | DType::I16 => {
            let name = format!("{}_scale", var.name);
            let scale = model.get(&name).ok_or_else(|| {
                Error::bad(
                    model.path(),
                    format!(
                        "{} is {} but there is no {name} to dequantise it",
                        var.name,
                        var.dtype.name()
                    ),
                )
            })?;
            let values = model.read_f32(scale)?;
            if values.len() != 1 && values.len() != var.rows() {
                return Err(Error::bad(
                    model.path(),
                    format!("{name} has {} values for {} rows", values.len(), var.rows()),
                ));
            }
            Ok(Some(values))
        }
        DType::I32 => Err(Error::unsupported(
            model.path(),
            format!("{}: unsupported dtype int32 for a weight", var.name),
        )),
    }
}

/// Raw rows (starting at row `first`) in the stored type `out`.
fn encode(raw: &[u8], var: &Variable, scales: Option<&[f32]>, first: usize, out: Out) -> Vec<u8> {
    match (var.dtype, out) {
        (DType::F16, Out::F16) | (DType::BF16, Out::BF16) | (DType::F32, Out::F32) => {
            return raw.to_vec();
        }
        _ => {}
    }
    let values = match scales {
        Some(scales) => dequantise(raw, var, scales, first),
        None => decode(raw, var.dtype).unwrap_or_default(),
    };
    match out {
        Out::F32 => values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        Out::F16 => values
            .iter()
            .flat_map(|&v| f16::from_f32(v).to_le_bytes())
            .collect(),
        Out::BF16 => values
            .iter()
            .flat_map(|&v| bf16::from_f32(v).to_le_bytes())
            .collect(),
    }
}

fn dequantise(raw: &[u8], var: &Variable, scales: &[f32], first: usize) -> Vec<f32> {
    let ints: Vec<f32> = match var.dtype {
        DType::I8 => raw.iter().map(|&b| f32::from(b as i8)).collect(),
        _ => raw
            .chunks_exact(2)
            .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])))
            .collect(),
    };
    let width = var.row_len().max(1);
    ints.iter()
        .enumerate()
        .map(|(i, &q)| {
            let scale = if scales.len() == 1 {
                scales[0]
            } else {
                scales[first + i / width]
            };
            q / scale
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(dtype: DType, shape: &[usize]) -> Variable {
        Variable {
            name: "w".into(),
            shape: shape.to_vec(),
            dtype,
            offset: 0,
        }
    }

    fn f32s(bytes: &[u8]) -> Vec<f32> {
        bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect()
    }

    #[test]
    fn int8_rows_are_divided_by_their_own_scale() {
        let raw = [127u8, 0x81, 64, 2]; // 127, -127 | 64, 2
        let v = var(DType::I8, &[2, 2]);
        let out = encode(&raw, &v, Some(&[127.0, 2.0]), 0, Out::F32);
        assert_eq!(f32s(&out), [1.0, -1.0, 32.0, 1.0]);
        // The second row alone, as a block starting at row 1.
        let out = encode(&raw[2..], &v, Some(&[127.0, 2.0]), 1, Out::F32);
        assert_eq!(f32s(&out), [32.0, 1.0]);
    }

    #[test]
    fn f16_rounds_to_the_nearest_bf16_ties_to_even() {
        // 1 + 2^-8 is halfway between bf16's 1 and 1 + 2^-7: even is 1.
        let halves = [1.0 + 1.0 / 256.0, 1.0 + 1.0 / 256.0 + 1.0 / 1024.0, -2.5];
        let raw: Vec<u8> = halves
            .iter()
            .flat_map(|&v| f16::from_f32(v).to_le_bytes())
            .collect();
        let out = encode(&raw, &var(DType::F16, &[3]), None, 0, Out::BF16);
        let got: Vec<f32> = out
            .chunks_exact(2)
            .map(|b| bf16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect();
        assert_eq!(got, [1.0, 1.0 + 1.0 / 128.0, -2.5]);
    }

    #[test]
    fn floats_round_to_f16_and_widen_to_f32() {
        let raw: Vec<u8> = [1.0f32, 0.1].iter().flat_map(|v| v.to_le_bytes()).collect();
        let out = encode(&raw, &var(DType::F32, &[2]), None, 0, Out::F16);
        assert_eq!(
            out,
            [
                f16::from_f32(1.0).to_le_bytes(),
                f16::from_f32(0.1).to_le_bytes()
            ]
            .concat()
        );
        let half: Vec<u8> = f16::from_f32(0.5).to_le_bytes().to_vec();
        let out = encode(&half, &var(DType::F16, &[1]), None, 0, Out::F32);
        assert_eq!(f32s(&out), [0.5]);
        let bf = half::bf16::from_f32(2.5).to_le_bytes();
        let out = encode(&bf, &var(DType::BF16, &[1]), None, 0, Out::F32);
        assert_eq!(f32s(&out), [2.5]);
    }
}
