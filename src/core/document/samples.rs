//! Tiny real files of every accepted type, and the files that must be refused, built byte by
//! byte: for the unit tests here, the integration tests and the upload benchmark (which need
//! the same samples and cannot see this crate's test code). Nothing here is used to serve.

/// CRC-32 (IEEE), as zip and PNG use it.
pub fn crc32(data: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = [0u32; 256];
        for (i, slot) in t.iter_mut().enumerate() {
            let mut c = u32::try_from(i).unwrap_or(0);
            for _ in 0..8 {
                c = if c & 1 == 1 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
            *slot = c;
        }
        t
    });
    let mut c = 0xFFFF_FFFFu32;
    for &b in data {
        c = table[usize::from((c as u8) ^ b)] ^ (c >> 8);
    }
    c ^ 0xFFFF_FFFF
}

fn u16le(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn u32le(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn len32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A one-page PDF whose file is padded with an unreferenced stream of `pad` bytes (the
/// benchmark's 10 MB document), with a correct cross-reference table.
pub fn pdf(pad: usize) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    let content = b"0.9 g 72 720 200 50 re f\n";
    let padding: Vec<u8> = {
        // Bytes that do not compress, so no layer can shrink the benchmark's transfer.
        let mut x: u32 = 0x1234_5678;
        (0..pad)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x.to_le_bytes()[0]
            })
            .collect()
    };
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".to_vec(),
        [
            format!("<< /Length {} >>\nstream\n", content.len()).as_bytes(),
            content,
            b"\nendstream",
        ]
        .concat(),
        [
            format!("<< /Length {} >>\nstream\n", padding.len()).as_bytes(),
            &padding,
            b"\nendstream",
        ]
        .concat(),
    ];
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&len32(data.len()).to_be_bytes());
    let mut crc_input = kind.to_vec();
    crc_input.extend_from_slice(data);
    out.extend_from_slice(&crc_input);
    out.extend_from_slice(&crc32(&crc_input).to_be_bytes());
}

/// A 1×1 PNG (one teal pixel).
pub fn png() -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&1u32.to_be_bytes());
    ihdr.extend_from_slice(&1u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    let scanline = [0u8, 0x00, 0x80, 0x80];
    let (mut a, mut b) = (1u32, 0u32);
    for &x in &scanline {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    let mut idat = vec![0x78, 0x01, 0x01, 0x04, 0x00, 0xFB, 0xFF];
    idat.extend_from_slice(&scanline);
    idat.extend_from_slice(&((b << 16) | a).to_be_bytes());
    png_chunk(&mut out, b"IDAT", &idat);
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// A 1×1 grey baseline JPEG: one quantisation table, one-symbol Huffman tables, one block.
pub fn jpeg() -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8];
    out.extend_from_slice(&[
        0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00,
        0x01, 0x00, 0x00,
    ]);
    out.extend_from_slice(&[0xFF, 0xDB, 0x00, 0x43, 0x00]);
    out.extend_from_slice(&[1u8; 64]);
    out.extend_from_slice(&[
        0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x01, 0x00, 0x01, 0x01, 0x01, 0x11, 0x00,
    ]);
    for class in [0x00u8, 0x10] {
        out.extend_from_slice(&[0xFF, 0xC4, 0x00, 0x14, class, 1]);
        out.extend_from_slice(&[0u8; 15]);
        out.push(0x00);
    }
    out.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
    // DC difference category 0 ("0"), then end of block ("0"), padded with ones.
    out.push(0x3F);
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

/// One entry of [`zip`]: its name, its data as stored in the archive, and — for a deflated
/// entry — the method and the size and CRC of what the data inflates to.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Name inside the archive.
    pub name: String,
    /// The bytes in the archive.
    pub data: Vec<u8>,
    /// 0 stored, 8 deflated.
    pub method: u16,
    /// Uncompressed size.
    pub size: u64,
    /// CRC-32 of the uncompressed bytes.
    pub crc: u32,
}

impl Entry {
    /// An entry stored as it is.
    pub fn stored(name: &str, data: &[u8]) -> Entry {
        Entry {
            name: name.to_string(),
            data: data.to_vec(),
            method: 0,
            size: data.len() as u64,
            crc: crc32(data),
        }
    }
}

/// A zip archive of `entries` (no data descriptors, no zip64).
pub fn zip(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let offset = len32(out.len());
        let size = u32::try_from(e.size).unwrap_or(u32::MAX);
        let name = e.name.as_bytes();
        // Version 2.0, UTF-8 names, 1980-01-01 00:00.
        let head = |out: &mut Vec<u8>| {
            u16le(out, 20);
            u16le(out, 1 << 11);
            u16le(out, e.method);
            u16le(out, 0);
            u16le(out, 0x21);
            u32le(out, e.crc);
            u32le(out, len32(e.data.len()));
            u32le(out, size);
            u16le(out, u16::try_from(name.len()).unwrap_or(u16::MAX));
            u16le(out, 0);
        };
        u32le(&mut out, 0x0403_4b50);
        head(&mut out);
        out.extend_from_slice(name);
        out.extend_from_slice(&e.data);
        u32le(&mut central, 0x0201_4b50);
        u16le(&mut central, 20);
        head(&mut central);
        u16le(&mut central, 0);
        u16le(&mut central, 0);
        u16le(&mut central, 0);
        u32le(&mut central, 0);
        u32le(&mut central, offset);
        central.extend_from_slice(name);
    }
    let cd_offset = len32(out.len());
    let cd_size = len32(central.len());
    out.extend_from_slice(&central);
    let n = u16::try_from(entries.len()).unwrap_or(u16::MAX);
    u32le(&mut out, 0x0605_4b50);
    u16le(&mut out, 0);
    u16le(&mut out, 0);
    u16le(&mut out, n);
    u16le(&mut out, n);
    u32le(&mut out, cd_size);
    u32le(&mut out, cd_offset);
    u16le(&mut out, 0);
    out
}

const CONTENT_TYPES: &[u8] = br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>"#;

/// A minimal Excel workbook's package (`[Content_Types].xml`, `xl/workbook.xml`, one sheet).
pub fn xlsx() -> Vec<u8> {
    zip(&[
        Entry::stored("[Content_Types].xml", CONTENT_TYPES),
        Entry::stored(
            "xl/workbook.xml",
            br#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="Staff" sheetId="1"/></sheets></workbook>"#,
        ),
        Entry::stored(
            "xl/worksheets/sheet1.xml",
            br#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>"#,
        ),
    ])
}

/// A minimal Word document's package.
pub fn docx() -> Vec<u8> {
    zip(&[
        Entry::stored("[Content_Types].xml", CONTENT_TYPES),
        Entry::stored(
            "word/document.xml",
            br#"<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p/></w:body></w:document>"#,
        ),
    ])
}

/// A minimal OFD package (GB/T 33190): `OFD.xml` at the root and one document.
pub fn ofd() -> Vec<u8> {
    zip(&[
        Entry::stored(
            "OFD.xml",
            br#"<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"#,
        ),
        Entry::stored(
            "Doc_0/Document.xml",
            br#"<ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"><ofd:CommonData><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData></ofd:Document>"#,
        ),
    ])
}

/// A plain zip of a text file: a zip, but none of the accepted zip-based types.
pub fn plain_zip() -> Vec<u8> {
    zip(&[Entry::stored("readme.txt", b"not a document")])
}

struct Bits {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits {
    fn put(&mut self, value: u32, count: u32) {
        self.acc |= u64::from(value) << self.n;
        self.n += count;
        while self.n >= 8 {
            self.out.push((self.acc & 0xFF) as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    /// A Huffman code, which deflate packs from its most significant bit.
    fn code(&mut self, code: u32, len: u32) {
        let reversed = code.reverse_bits() >> (32 - len);
        self.put(reversed, len);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push((self.acc & 0xFF) as u8);
        }
        self.out
    }
}

/// A deflate stream (one block of fixed Huffman codes) that inflates to `1 + 258 × copies`
/// zero bytes: a literal zero, then copies of 258 bytes at distance 1. About 160 : 1.
pub fn deflated_zeros(copies: u64) -> Vec<u8> {
    let mut b = Bits {
        out: Vec::new(),
        acc: 0,
        n: 0,
    };
    b.put(1, 1); // the last block
    b.put(1, 2); // fixed Huffman codes
    b.code(0x30, 8); // literal 0
    for _ in 0..copies {
        b.code(0b1100_0101, 8); // length 258
        b.code(0, 5); // distance 1
    }
    b.code(0, 7); // end of block
    b.finish()
}

/// A zip bomb posing as an Excel workbook: a real package whose sheet is a deflate stream of
/// about `inflated` zero bytes (a small file that would fill memory or disk if inflated).
pub fn zip_bomb_xlsx(inflated: u64) -> Vec<u8> {
    let copies = inflated.saturating_sub(1) / 258;
    let size = 1 + 258 * copies;
    let zeros = vec![0u8; usize::try_from(size).unwrap_or(0)];
    let sheet = Entry {
        name: "xl/worksheets/sheet1.xml".to_string(),
        data: deflated_zeros(copies),
        method: 8,
        size,
        crc: crc32(&zeros),
    };
    zip(&[
        Entry::stored("[Content_Types].xml", CONTENT_TYPES),
        Entry::stored(
            "xl/workbook.xml",
            br#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>"#,
        ),
        sheet,
    ])
}
