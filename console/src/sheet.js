// Read the first sheet of an .xlsx or a .csv file in the browser, to show an import's rows
// beside the errors the API reports for them (row 1 is the header, as the API counts).
async function inflate(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw'))
  return new Uint8Array(await new Response(stream).arrayBuffer())
}

async function unzip(buf) {
  const view = new DataView(buf)
  let eocd = buf.byteLength - 22
  while (eocd >= 0 && view.getUint32(eocd, true) !== 0x06054b50) eocd--
  if (eocd < 0) throw new Error('不是有效的 xlsx 文件')
  const count = view.getUint16(eocd + 10, true)
  let at = view.getUint32(eocd + 16, true)
  const files = {}
  const dec = new TextDecoder()
  for (let i = 0; i < count; i++) {
    const method = view.getUint16(at + 10, true)
    const size = view.getUint32(at + 20, true)
    const nameLen = view.getUint16(at + 28, true)
    const extra = view.getUint16(at + 30, true)
    const comment = view.getUint16(at + 32, true)
    const local = view.getUint32(at + 42, true)
    const name = dec.decode(new Uint8Array(buf, at + 46, nameLen))
    files[name] = { method, size, local }
    at += 46 + nameLen + extra + comment
  }
  return async (name) => {
    const f = files[name]
    if (!f) return null
    const start = f.local + 30 + view.getUint16(f.local + 26, true) + view.getUint16(f.local + 28, true)
    const raw = new Uint8Array(buf, start, f.size)
    return dec.decode(f.method === 8 ? await inflate(raw) : raw)
  }
}

function colIndex(ref) {
  let n = 0
  for (const ch of ref.replace(/\d+$/, '')) n = n * 26 + (ch.charCodeAt(0) - 64)
  return n - 1
}

async function readXlsx(buf) {
  const open = await unzip(buf)
  const parse = (xml) => new DOMParser().parseFromString(xml, 'application/xml')
  const shared = []
  const sst = await open('xl/sharedStrings.xml')
  if (sst) for (const si of parse(sst).getElementsByTagName('si')) shared.push([...si.getElementsByTagName('t')].map((t) => t.textContent).join(''))
  const sheet = (await open('xl/worksheets/sheet1.xml')) || ''
  const rows = new Map()
  for (const r of parse(sheet).getElementsByTagName('row')) {
    const cells = []
    for (const c of r.getElementsByTagName('c')) {
      const t = c.getAttribute('t')
      const v = c.getElementsByTagName('v')[0]?.textContent ?? ''
      const text = t === 's' ? shared[Number(v)] ?? '' : t === 'inlineStr' ? [...c.getElementsByTagName('t')].map((x) => x.textContent).join('') : v
      cells[colIndex(c.getAttribute('r') || 'A')] = text
    }
    rows.set(Number(r.getAttribute('r')), [...cells].map((x) => x ?? ''))
  }
  return rows
}

function readCsv(text) {
  const rows = new Map()
  let row = [], cell = '', quoted = false, n = 1
  const end = () => { row.push(cell); cell = '' }
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++ } else if (ch === '"') quoted = false
      else cell += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') end()
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++
      end(); rows.set(n++, row); row = []
    } else cell += ch
  }
  if (cell || row.length) { end(); rows.set(n, row) }
  return rows
}

// -> { header: [...], rows: [{ row: 2, cells: [...] }, ...] }
export async function readSheet(file) {
  const buf = await file.arrayBuffer()
  const table = /\.csv$/i.test(file.name) ? readCsv(new TextDecoder().decode(buf).replace(/^\uFEFF/, '')) : await readXlsx(buf)
  const header = (table.get(1) || []).map((h) => String(h).trim())
  const rows = []
  for (const [n, cells] of [...table.entries()].sort((a, b) => a[0] - b[0])) {
    if (n === 1 || !cells.some((c) => String(c).trim())) continue
    rows.push({ row: n, cells: header.map((_, i) => String(cells[i] ?? '').trim()) })
  }
  return { header, rows }
}
