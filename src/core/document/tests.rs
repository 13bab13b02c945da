use super::samples::{self, Entry};
use super::*;
use serde_json::json;

#[test]
fn each_accepted_type_is_recognised_from_a_real_sample() {
    for (bytes, t) in [
        (samples::pdf(0), ContentType::Pdf),
        (samples::png(), ContentType::Png),
        (samples::jpeg(), ContentType::Jpeg),
        (samples::ofd(), ContentType::Ofd),
        (samples::xlsx(), ContentType::Xlsx),
        (samples::docx(), ContentType::Docx),
    ] {
        assert_eq!(sniff(&bytes), Ok(t), "{t:?}");
    }
}

#[test]
fn an_empty_file_is_refused() {
    assert_eq!(sniff(b""), Err(Refusal::Empty));
    let e = accept("licence.pdf", b"", DEFAULT_MAX_BYTES).unwrap_err();
    assert_eq!((e.field.as_str(), e.code), (FILE_FIELD, "document_empty"));
}

#[test]
fn text_a_gif_and_a_plain_zip_are_not_accepted_types() {
    assert_eq!(sniff(b"hello, world\n"), Err(Refusal::NotAccepted));
    assert_eq!(sniff(b"GIF89a\x01\x00\x01\x00"), Err(Refusal::NotAccepted));
    assert_eq!(sniff(&samples::plain_zip()), Err(Refusal::NotAccepted));
    // A zip that declares itself but is cut off has no central directory.
    let cut = &samples::xlsx()[..40];
    assert_eq!(sniff(cut), Err(Refusal::NotAccepted));
    // The magic number at the start is what counts, not somewhere inside.
    let mut late = b"junk".to_vec();
    late.extend_from_slice(&samples::pdf(0));
    assert_eq!(sniff(&late), Err(Refusal::NotAccepted));
}

#[test]
fn an_ooxml_package_needs_its_content_types_and_its_folder() {
    let no_types = samples::zip(&[Entry::stored("xl/workbook.xml", b"<workbook/>")]);
    assert_eq!(sniff(&no_types), Err(Refusal::NotAccepted));
    let pptx = samples::zip(&[
        Entry::stored("[Content_Types].xml", b"<Types/>"),
        Entry::stored("ppt/presentation.xml", b"<p/>"),
    ]);
    assert_eq!(sniff(&pptx), Err(Refusal::NotAccepted));
    // OFD.xml must be at the root.
    let nested = samples::zip(&[Entry::stored("Doc_0/OFD.xml", b"<ofd/>")]);
    assert_eq!(sniff(&nested), Err(Refusal::NotAccepted));
}

#[test]
fn a_zip_bomb_posing_as_a_workbook_is_refused_without_inflating_it() {
    // 20 MB of zeros in some 130 KB: the ratio is past 100 and the total past the floor.
    let bomb = samples::zip_bomb_xlsx(20 * 1024 * 1024);
    assert!(bomb.len() < 200 * 1024, "{}", bomb.len());
    assert_eq!(sniff(&bomb), Err(Refusal::ZipBomb));
    let e = accept("staff.xlsx", &bomb, DEFAULT_MAX_BYTES).unwrap_err();
    assert_eq!(e.code, "document_zip_bomb");
    // The same shape below the floor is a workbook of repetitive XML.
    let small = samples::zip_bomb_xlsx(ZIP_RATIO_FLOOR - 1024);
    assert_eq!(sniff(&small), Ok(ContentType::Xlsx));
}

#[test]
fn a_declared_size_past_the_total_bound_is_a_bomb_whatever_the_ratio() {
    let mut sheet = Entry::stored("xl/worksheets/sheet1.xml", &[0u8; 4096]);
    sheet.size = ZIP_MAX_UNCOMPRESSED + 1;
    let lying = samples::zip(&[Entry::stored("[Content_Types].xml", b"<Types/>"), sheet]);
    assert_eq!(sniff(&lying), Err(Refusal::ZipBomb));
    let mut honest = Entry::stored("xl/worksheets/sheet1.xml", &[0u8; 4096]);
    honest.size = 4096 * 99;
    let ok = samples::zip(&[Entry::stored("[Content_Types].xml", b"<Types/>"), honest]);
    assert_eq!(sniff(&ok), Ok(ContentType::Xlsx));
}

#[test]
fn too_many_entries_is_a_bomb() {
    let mut entries = vec![Entry::stored("[Content_Types].xml", b"<Types/>")];
    entries.extend((0..ZIP_MAX_ENTRIES).map(|i| Entry::stored(&format!("xl/{i}.xml"), b"")));
    assert_eq!(sniff(&samples::zip(&entries)), Err(Refusal::ZipBomb));
    entries.pop();
    assert_eq!(sniff(&samples::zip(&entries)), Ok(ContentType::Xlsx));
}

#[test]
fn a_name_that_claims_another_type_is_refused_and_says_both() {
    let e = accept("licence.pdf", &samples::png(), DEFAULT_MAX_BYTES).unwrap_err();
    assert_eq!(e.code, "document_misnamed");
    assert_eq!(
        e.text.sketch(false),
        "document.refused.misnamed(name=licence.pdf, named=PDF, actual=PNG)"
    );
    // A .pdf that is nothing accepted says it is not a PDF.
    let e = accept("licence.pdf", b"%!PS-Adobe-3.0\n", DEFAULT_MAX_BYTES).unwrap_err();
    assert_eq!(e.code, "document_not_what_named");
    assert_eq!(
        e.text.sketch(false),
        "document.refused.not_what_named(name=licence.pdf, named=PDF)"
    );
    let e = accept("notes.txt", b"hello", DEFAULT_MAX_BYTES).unwrap_err();
    assert_eq!(e.code, "document_type");
}

#[test]
fn the_type_decides_and_a_missing_extension_is_added() {
    let a = accept("营业执照", &samples::pdf(0), DEFAULT_MAX_BYTES).unwrap();
    assert_eq!(a.content_type, ContentType::Pdf);
    assert_eq!(a.name, "营业执照.pdf");
    let a = accept("scan.JPEG", &samples::jpeg(), DEFAULT_MAX_BYTES).unwrap();
    assert_eq!(
        (a.content_type, a.name.as_str()),
        (ContentType::Jpeg, "scan.JPEG")
    );
    let a = accept("staff list.final", &samples::xlsx(), DEFAULT_MAX_BYTES).unwrap();
    assert_eq!(a.name, "staff list.final.xlsx");
}

#[test]
fn the_size_limit_is_inclusive() {
    let pdf = samples::pdf(100);
    let len = pdf.len() as u64;
    assert!(accept("a.pdf", &pdf, len).is_ok());
    let e = accept("a.pdf", &pdf, len - 1).unwrap_err();
    assert_eq!(e.code, "document_too_large");
    assert_eq!(
        too_large("x.pdf", DEFAULT_MAX_BYTES).text.sketch(true),
        "document.refused.too_large(name=x.pdf, limit=20 MB)"
    );
}

#[test]
fn names_are_cleaned_to_their_last_component_without_control_characters() {
    assert_eq!(clean_name(r"C:\Users\王\Desktop\执照.pdf"), "执照.pdf");
    assert_eq!(clean_name("../../etc/passwd"), "passwd");
    assert_eq!(clean_name("a\u{0}b\nc.pdf"), "a_b_c.pdf");
    assert_eq!(clean_name("  .hidden.pdf "), "hidden.pdf");
    assert_eq!(clean_name("what?<x>.pdf"), "what__x_.pdf");
    assert_eq!(clean_name(""), "document");
    assert_eq!(clean_name("dir/"), "document");
    let long = format!("{}.pdf", "很".repeat(300));
    let kept = clean_name(&long);
    assert_eq!(kept.chars().count(), NAME_MAX);
    assert!(kept.ends_with("很.pdf"));
}

#[test]
fn the_ascii_name_keeps_a_plain_name_and_replaces_any_other() {
    let pdf = ContentType::Pdf;
    assert_eq!(
        ascii_name("report 2025.pdf", "x", 1, pdf),
        "report 2025.pdf"
    );
    assert_eq!(
        ascii_name("营业执照.pdf", "business_licence", 7, pdf),
        "business_licence-7.pdf"
    );
    assert_eq!(ascii_name("a\"b.pdf", "k", 2, pdf), "k-2.pdf");
}

#[test]
fn the_hte_checklist_asks_for_all_six_and_a_setting_replaces_a_targets_list() {
    assert_eq!(checklist(None, Target::HighTech), Kind::ALL.to_vec());
    let setting = json!({
        "reserve": ["annual_financial_report", "business_licence", "nonsense", "business_licence"],
        "leader": [],
    });
    assert_eq!(
        checklist(Some(&setting), Target::Reserve),
        vec![Kind::BusinessLicence, Kind::AnnualFinancialReport]
    );
    assert!(checklist(Some(&setting), Target::Leader).is_empty());
    assert_eq!(
        checklist(Some(&setting), Target::TechSme),
        default_checklist(Target::TechSme).to_vec()
    );
    for t in Target::ALL {
        assert!(default_checklist(t).contains(&Kind::BusinessLicence), "{t}");
    }
}

#[test]
fn missing_kinds_keep_the_checklist_order() {
    let required = default_checklist(Target::HighTech);
    assert_eq!(
        missing(required, &[Kind::TechStaffList, Kind::BusinessLicence]),
        vec![
            Kind::IpCertificates,
            Kind::RdExpenseAudit,
            Kind::HighTechRevenueAudit,
            Kind::AnnualFinancialReport
        ]
    );
    assert!(missing(required, &Kind::ALL).is_empty());
}

#[test]
fn the_size_setting_is_bounded() {
    assert_eq!(max_bytes(None), DEFAULT_MAX_BYTES);
    assert_eq!(max_bytes(Some(&json!(5_000_000))), 5_000_000);
    assert_eq!(max_bytes(Some(&json!(0))), DEFAULT_MAX_BYTES);
    assert_eq!(max_bytes(Some(&json!("big"))), DEFAULT_MAX_BYTES);
}

#[test]
fn sizes_read_in_binary_units() {
    assert_eq!(human_size(812), "812 B");
    assert_eq!(human_size(1024), "1 KB");
    assert_eq!(human_size(35_328), "34.5 KB");
    assert_eq!(human_size(20 * 1024 * 1024), "20 MB");
    assert_eq!(human_size(10_500_000), "10 MB");
}

#[test]
fn ids_round_trip() {
    for k in Kind::ALL {
        assert_eq!(Kind::parse(k.id()), Some(k));
        assert!(k.key().ends_with(k.id()));
    }
    for t in ContentType::ALL {
        assert_eq!(ContentType::from_mime(t.mime()), Some(t));
        assert_eq!(
            ContentType::named_by(&format!("x.{}", t.extension())),
            Some(t)
        );
    }
}
