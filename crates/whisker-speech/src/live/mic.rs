//! The default microphone as an [`AudioSource`], through cpal.
//!
//! The device is opened at its own default rate, channel count and sample
//! format; the audio callback only averages channels to mono and hands the
//! samples over a channel, and [`AudioSource::read`] resamples them to
//! 16 kHz on the reader's thread, so the callback never waits. The cpal
//! stream lives on a thread of its own (it is not `Send` on every platform)
//! and stops when the [`MicSource`] is dropped. No device, or a device that
//! will not open, is an error, never a panic. It does not pick among
//! devices or remember a choice: that is for the app's settings.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;

use super::AudioSource;
use super::SAMPLE_RATE;
use super::resample::To16k;
use crate::error::{Error, Result};

/// What the stream thread sends to the reader.
#[derive(Debug)]
enum Msg {
    Samples(Vec<f32>),
    Failed(String),
}

/// The default input device, delivering 16 kHz mono.
#[derive(Debug)]
pub struct MicSource {
    rx: Receiver<Msg>,
    /// Dropping it stops the stream thread.
    _stop: mpsc::Sender<()>,
    resampler: To16k,
    /// Device rate and name, for messages.
    pub device_rate: u32,
    pub device_name: String,
}

impl MicSource {
    /// Opens the default input device and starts capturing.
    pub fn open() -> Result<MicSource> {
        let (tx, rx) = mpsc::channel();
        let (stop_tx, stop_rx) = mpsc::channel::<()>();
        let (ready_tx, ready_rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("whisker-mic".into())
            .spawn(move || stream_thread(tx, ready_tx, stop_rx))
            .map_err(|e| Error::Microphone(format!("cannot start the capture thread: {e}")))?;
        let (device_rate, device_name) = ready_rx
            .recv()
            .map_err(|_| Error::Microphone("the capture thread stopped".into()))??;
        Ok(MicSource {
            rx,
            _stop: stop_tx,
            resampler: To16k::new(device_rate)?,
            device_rate,
            device_name,
        })
    }
}

impl AudioSource for MicSource {
    fn sample_rate(&self) -> u32 {
        SAMPLE_RATE
    }

    fn read(&mut self) -> Result<Option<Vec<f32>>> {
        let first = match self.rx.recv_timeout(Duration::from_millis(100)) {
            Ok(msg) => msg,
            Err(RecvTimeoutError::Timeout) => return Ok(Some(Vec::new())),
            Err(RecvTimeoutError::Disconnected) => return Ok(None),
        };
        let mut raw = Vec::new();
        for msg in std::iter::once(first).chain(self.rx.try_iter()) {
            match msg {
                Msg::Samples(s) => raw.extend(s),
                Msg::Failed(e) => return Err(Error::Microphone(e)),
            }
        }
        self.resampler.push(&raw).map(Some)
    }
}

#[cfg(feature = "microphone")]
fn stream_thread(
    tx: mpsc::Sender<Msg>,
    ready: mpsc::Sender<Result<(u32, String)>>,
    stop: Receiver<()>,
) {
    match device::start(tx) {
        Ok((stream, rate, name)) => {
            let _ = ready.send(Ok((rate, name)));
            // Blocks until the MicSource (the only sender) is dropped.
            let _ = stop.recv();
            drop(stream);
        }
        Err(e) => {
            let _ = ready.send(Err(e));
        }
    }
}

#[cfg(not(feature = "microphone"))]
fn stream_thread(
    _tx: mpsc::Sender<Msg>,
    ready: mpsc::Sender<Result<(u32, String)>>,
    _stop: Receiver<()>,
) {
    let _ = ready.send(Err(Error::NoMicrophone(
        "this build has no microphone support (rebuild with the `microphone` feature)".into(),
    )));
}

#[cfg(feature = "microphone")]
mod device {
    use std::sync::mpsc::Sender;
    use std::time::Duration;

    use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
    use cpal::{FromSample, SampleFormat, SizedSample, StreamConfig};

    use super::Msg;
    use crate::error::{Error, Result};

    /// Opens and starts the default input stream: (stream, rate, device name).
    pub(super) fn start(tx: Sender<Msg>) -> Result<(cpal::Stream, u32, String)> {
        let host = cpal::default_host();
        let device = host.default_input_device().ok_or_else(|| {
            Error::NoMicrophone(format!(
                "no audio input device ({} host); connect a microphone or check the sound settings",
                host.id().name()
            ))
        })?;
        let name = device
            .description()
            .map(|d| d.name().to_owned())
            .unwrap_or_else(|_| "default input".into());
        let supported = device
            .default_input_config()
            .map_err(|e| device_error(&name, "has no usable input format", e))?;
        let config = supported.config();
        let stream = match supported.sample_format() {
            SampleFormat::F32 => build::<f32>(&device, config, tx),
            SampleFormat::I16 => build::<i16>(&device, config, tx),
            SampleFormat::I32 => build::<i32>(&device, config, tx),
            SampleFormat::U16 => build::<u16>(&device, config, tx),
            SampleFormat::I8 => build::<i8>(&device, config, tx),
            SampleFormat::U8 => build::<u8>(&device, config, tx),
            SampleFormat::F64 => build::<f64>(&device, config, tx),
            other => {
                return Err(Error::Microphone(format!(
                    "{name}: sample format {other} is not supported"
                )));
            }
        }
        .map_err(|e| device_error(&name, "cannot be opened", e))?;
        stream
            .play()
            .map_err(|e| device_error(&name, "cannot start", e))?;
        Ok((stream, config.sample_rate, name))
    }

    fn build<T>(
        device: &cpal::Device,
        config: StreamConfig,
        tx: Sender<Msg>,
    ) -> Result<cpal::Stream, cpal::Error>
    where
        T: SizedSample,
        f32: FromSample<T>,
    {
        let channels = usize::from(config.channels).max(1);
        let errors = tx.clone();
        device.build_input_stream::<T, _, _>(
            config,
            move |data: &[T], _| {
                let mono = data
                    .chunks(channels)
                    .map(|f| f.iter().map(|s| s.to_sample::<f32>()).sum::<f32>() / channels as f32)
                    .collect();
                let _ = tx.send(Msg::Samples(mono));
            },
            move |e| {
                let _ = errors.send(Msg::Failed(e.to_string()));
            },
            Some(Duration::from_secs(2)),
        )
    }

    fn device_error(name: &str, what: &str, e: cpal::Error) -> Error {
        let message = format!("{name} {what}: {e}");
        if e.kind() == cpal::ErrorKind::DeviceNotAvailable {
            Error::NoMicrophone(format!(
                "{message}; connect a microphone or check the sound settings"
            ))
        } else {
            Error::Microphone(message)
        }
    }
}
