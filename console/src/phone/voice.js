// 喊一喊: a voice message recorded in the browser. The attachment service takes mp3, m4a, amr
// and wav (it sniffs the bytes), not the WebM/Opus most browsers record, so anything but
// audio/mp4 is decoded and written out as 16 kHz mono 16-bit WAV (one minute ≈ 1.9 MB).
export const MAX_SECONDS = 60

export function canRecord() {
  return !!(navigator.mediaDevices?.getUserMedia && window.MediaRecorder)
}

export async function startRecording() {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true })
  const type = ['audio/mp4', 'audio/webm;codecs=opus', 'audio/webm'].find((t) => MediaRecorder.isTypeSupported?.(t))
  const recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined)
  const chunks = []
  recorder.ondataavailable = (e) => e.data.size && chunks.push(e.data)
  const finished = new Promise((resolve, reject) => {
    recorder.onstop = () => {
      stream.getTracks().forEach((t) => t.stop())
      resolve(new Blob(chunks, { type: recorder.mimeType || type || 'audio/webm' }))
    }
    recorder.onerror = (e) => reject(e.error || new Error('录音出错'))
  })
  recorder.start(250)
  return { stop: () => recorder.state !== 'inactive' && recorder.stop(), finished }
}

export async function toUploadable(blob) {
  if (/^audio\/mp4/.test(blob.type)) return new File([blob], '语音留言.m4a', { type: 'audio/mp4' })
  const Ctx = window.AudioContext || window.webkitAudioContext
  const ctx = new Ctx()
  try {
    const decoded = await ctx.decodeAudioData(await blob.arrayBuffer())
    const rate = 16000
    const length = Math.max(1, Math.ceil(decoded.duration * rate))
    const offline = new OfflineAudioContext(1, length, rate)
    const src = offline.createBufferSource()
    src.buffer = decoded
    src.connect(offline.destination)
    src.start()
    const mono = (await offline.startRendering()).getChannelData(0)
    return new File([wav(mono, rate)], '语音留言.wav', { type: 'audio/wav' })
  } finally {
    ctx.close?.()
  }
}

function wav(samples, rate) {
  const buf = new ArrayBuffer(44 + samples.length * 2)
  const v = new DataView(buf)
  const str = (o, s) => [...s].forEach((c, i) => v.setUint8(o + i, c.charCodeAt(0)))
  str(0, 'RIFF'); v.setUint32(4, 36 + samples.length * 2, true); str(8, 'WAVE')
  str(12, 'fmt '); v.setUint32(16, 16, true); v.setUint16(20, 1, true); v.setUint16(22, 1, true)
  v.setUint32(24, rate, true); v.setUint32(28, rate * 2, true); v.setUint16(32, 2, true); v.setUint16(34, 16, true)
  str(36, 'data'); v.setUint32(40, samples.length * 2, true)
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]))
    v.setInt16(44 + i * 2, s < 0 ? s * 0x8000 : s * 0x7fff, true)
  }
  return buf
}
