import Foundation

/// One message catalogue: key → text per language, `{name}` placeholders filled by `text(_:_:_:)`. Keys under
/// `public.`, `type.`, `kind.`, `verdict.`, `county.` and `tip.` are read by everyone and must exist in every language;
/// the rest (the moderators' app) in Traditional Chinese and English. `MessagesTests` fails on a missing one.
public enum Messages {
    public static let everyone = ["public.", "type.", "kind.", "verdict.", "county.", "tip."]

    /// The languages `key` must have.
    public static func required(for key: String) -> [Language] {
        everyone.contains { key.hasPrefix($0) } ? Language.allCases : [.zhHant, .en]
    }

    /// The text for `key` in `language` (Traditional Chinese when missing there; the key itself when unknown), with
    /// `{name}` replaced from `args`.
    public static func text(_ key: String, _ language: Language, _ args: [String: String] = [:]) -> String {
        fill(table[key]?[language] ?? table[key]?[.zhHant] ?? key, args)
    }

    /// `template` with each `{name}` whose name is in `args` replaced by its value, in one pass: a value is never
    /// searched for placeholders itself, and `{…}` with a name not in `args` stays as written. (Every post's
    /// reasons are filled in on the classifier's hot path; `replacingOccurrences` per name cost 9% of a burst.)
    public static func fill(_ template: String, _ args: [String: String]) -> String {
        guard !args.isEmpty, template.utf8.contains(UInt8(ascii: "{")) else { return template }
        // Scanned as UTF-8 bytes: "{" and "}" are ASCII, never part of a multi-byte character, so byte offsets are
        // character boundaries (walking Characters cost a grapheme break per CJK character, in every post's reasons).
        var template = template
        return template.withUTF8 { bytes -> String in
            let open = UInt8(ascii: "{"), close = UInt8(ascii: "}")
            var next = bytes.firstIndex(of: open)!
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count + 32)
            var copied = 0
            while true {
                var from = next + 1
                if let end = bytes[from...].firstIndex(of: close), let value = args[String(decoding: bytes[from..<end], as: UTF8.self)] {
                    out.append(contentsOf: bytes[copied..<next])
                    out.append(contentsOf: value.utf8)
                    copied = end + 1
                    from = end + 1
                }
                guard let following = bytes[from...].firstIndex(of: open) else { break }
                next = following
            }
            out.append(contentsOf: bytes[copied...])
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// A county's name: the official name in Chinese, its official English name elsewhere (with the Chinese after
    /// it, as on road signs).
    public static func county(_ name: String, _ language: Language) -> String {
        guard language != .zhHant, let english = table["county.\(name)"]?[language] else { return name }
        return "\(english) (\(name))"
    }

    static func all(_ zh: String, _ en: String, vi: String, id: String, th: String, fil: String) -> [Language: String] {
        [.zhHant: zh, .en: en, .vi: vi, .id: id, .th: th, .fil: fil]
    }

    /// County names in every non-Chinese language use the official English romanisation.
    static func county(_ zh: String, _ en: String) -> (String, [Language: String]) {
        ("county.\(zh)", [.zhHant: zh, .en: en, .vi: en, .id: en, .th: en, .fil: en])
    }

    public static let table: [String: [Language: String]] = {
        var t: [String: [Language: String]] = [
            // The public page.
            "public.title": all(
                "{place}：已查證的災情與官方訊息", "{place}: verified disaster reports and official information",
                vi: "{place}: tin thiên tai đã xác minh và thông tin chính thức",
                id: "{place}: laporan bencana terverifikasi dan informasi resmi",
                th: "{place}: รายงานภัยพิบัติที่ตรวจสอบแล้วและข้อมูลทางการ",
                fil: "{place}: beripikadong ulat ng sakuna at opisyal na impormasyon"),
            "public.intro": all(
                "這裡只有經社群管理員查證後核准的訊息，以及政府機關發布的官方訊息。更新時間 {time}（臺灣時間）。",
                "Only reports checked and approved by community managers, and information published by government agencies. Updated {time} (Taiwan time).",
                vi: "Chỉ gồm tin đã được quản trị viên cộng đồng kiểm tra và duyệt, và thông tin do cơ quan chính phủ công bố. Cập nhật {time} (giờ Đài Loan).",
                id: "Hanya laporan yang sudah diperiksa dan disetujui pengelola komunitas, serta informasi dari instansi pemerintah. Diperbarui {time} (waktu Taiwan).",
                th: "มีเฉพาะรายงานที่ผู้ดูแลชุมชนตรวจสอบและอนุมัติแล้ว และข้อมูลที่หน่วยงานรัฐประกาศ อัปเดต {time} (เวลาไต้หวัน)",
                fil: "Mga ulat lamang na sinuri at inaprubahan ng mga tagapamahala ng komunidad, at impormasyong inilabas ng pamahalaan. Na-update {time} (oras sa Taiwan)."),
            "public.skip": all(
                "跳到災情訊息", "Skip to reports", vi: "Chuyển đến tin thiên tai", id: "Langsung ke laporan", th: "ข้ามไปที่รายงาน",
                fil: "Lumaktaw sa mga ulat"),
            "public.large": all("大字", "Larger text", vi: "Chữ lớn", id: "Teks besar", th: "ตัวอักษรใหญ่", fil: "Malaking teksto"),
            "public.normalSize": all(
                "一般字體", "Normal text", vi: "Chữ thường", id: "Teks normal", th: "ตัวอักษรปกติ", fil: "Karaniwang teksto"),
            "public.contrast": all(
                "高對比", "High contrast", vi: "Độ tương phản cao", id: "Kontras tinggi", th: "ความคมชัดสูง", fil: "Mataas na contrast"),
            "public.normalColours": all(
                "一般配色", "Normal colours", vi: "Màu thường", id: "Warna normal", th: "สีปกติ", fil: "Karaniwang kulay"),
            "public.language": all("語言", "Language", vi: "Ngôn ngữ", id: "Bahasa", th: "ภาษา", fil: "Wika"),
            "public.choosePlace": all(
                "選擇縣市、鄉鎮（目前：{place}）", "Choose a county or township (now: {place})",
                vi: "Chọn huyện/thành phố hoặc quận/xã (hiện tại: {place})", id: "Pilih kabupaten/kota atau kecamatan (sekarang: {place})",
                th: "เลือกเทศมณฑลหรือตำบล (ตอนนี้: {place})", fil: "Pumili ng lalawigan/lungsod o bayan (ngayon: {place})"),
            "public.byCounty": all("依縣市", "By county", vi: "Theo địa phương", id: "Menurut wilayah", th: "ตามเทศมณฑล", fil: "Ayon sa lalawigan"),
            "public.allTaiwan": all("全臺", "All of Taiwan", vi: "Toàn Đài Loan", id: "Seluruh Taiwan", th: "ทั่วไต้หวัน", fil: "Buong Taiwan"),
            "public.official": all(
                "官方訊息", "Official information", vi: "Thông tin chính thức", id: "Informasi resmi", th: "ข้อมูลทางการ",
                fil: "Opisyal na impormasyon"),
            "public.issued": all(
                "發布 {time}", "Issued {time}", vi: "Công bố {time}", id: "Diterbitkan {time}", th: "ประกาศ {time}", fil: "Inilabas {time}"),
            "public.until": all("至 {time}", "until {time}", vi: "đến {time}", id: "sampai {time}", th: "ถึง {time}", fil: "hanggang {time}"),
            "public.originalLink": all("原文", "Original", vi: "Bản gốc", id: "Asli", th: "ต้นฉบับ", fil: "Orihinal"),
            "public.reports": all(
                "已查證的災情（{n} 則）", "Verified reports ({n})", vi: "Tin đã xác minh ({n})", id: "Laporan terverifikasi ({n})",
                th: "รายงานที่ตรวจสอบแล้ว ({n})", fil: "Mga beripikadong ulat ({n})"),
            "public.none": all(
                "目前沒有已查證的訊息。", "No verified reports yet.", vi: "Hiện chưa có tin đã xác minh.",
                id: "Belum ada laporan terverifikasi.", th: "ยังไม่มีรายงานที่ตรวจสอบแล้ว", fil: "Wala pang beripikadong ulat."),
            "public.report": all("災情訊息", "Disaster report", vi: "Tin thiên tai", id: "Laporan bencana", th: "รายงานภัยพิบัติ", fil: "Ulat ng sakuna"),
            "public.withdrawn": all(
                "已撤回（{time}）", "Withdrawn ({time})", vi: "Đã rút lại ({time})", id: "Ditarik ({time})", th: "ถอนแล้ว ({time})",
                fil: "Binawi ({time})"),
            "public.withdrawnText": all(
                "先前發布的訊息「{text}」已撤回，請勿再轉傳。", "The earlier message “{text}” has been withdrawn. Please do not forward it.",
                vi: "Tin đã đăng trước đó “{text}” đã bị rút lại. Xin đừng chuyển tiếp.",
                id: "Pesan sebelumnya “{text}” telah ditarik. Mohon jangan diteruskan.",
                th: "ข้อความที่เผยแพร่ก่อนหน้านี้ “{text}” ถูกถอนแล้ว โปรดอย่าส่งต่อ",
                fil: "Binawi na ang naunang mensahe na “{text}”. Huwag na itong ipasa."),
            "public.reason": all("撤回原因：{note}", "Reason: {note}", vi: "Lý do: {note}", id: "Alasan: {note}", th: "เหตุผล: {note}", fil: "Dahilan: {note}"),
            "public.matches": all(
                "與官方紀錄相符", "Matches official records", vi: "Khớp với hồ sơ chính thức", id: "Sesuai dengan catatan resmi",
                th: "ตรงกับบันทึกทางการ", fil: "Tugma sa opisyal na tala"),
            "public.verified": all(
                "查證核准 {time}", "Verified {time}", vi: "Xác minh {time}", id: "Diverifikasi {time}", th: "ตรวจสอบแล้ว {time}",
                fil: "Beripikado {time}"),
            "public.posted": all(
                "原貼文 {time}", "posted {time}", vi: "đăng lúc {time}", id: "diunggah {time}", th: "โพสต์เมื่อ {time}", fil: "nai-post {time}"),
            "public.source": all("來源：{source}", "Source: {source}", vi: "Nguồn: {source}", id: "Sumber: {source}", th: "แหล่งที่มา: {source}", fil: "Pinagmulan: {source}"),
            "public.asWritten": all(
                "原文：", "Original post, as written (Chinese):", vi: "Bài gốc, nguyên văn (tiếng Trung):", id: "Unggahan asli, apa adanya (bahasa Mandarin):",
                th: "โพสต์ต้นฉบับตามที่เขียน (ภาษาจีน):", fil: "Orihinal na post, gaya ng pagkakasulat (Chinese):"),
            "public.newer": all("較新的訊息", "Newer", vi: "Mới hơn", id: "Lebih baru", th: "ใหม่กว่า", fil: "Mas bago"),
            "public.older": all("較早的訊息", "Older", vi: "Cũ hơn", id: "Lebih lama", th: "เก่ากว่า", fil: "Mas luma"),
            "public.footer": all(
                "緊急求救請撥 119；停班停課以各縣市政府公告為準。本頁不使用追蹤，也不需要登入。",
                "In an emergency call 119. For work and school closures, follow your county or city government's announcement. This page uses no tracking and needs no login.",
                vi: "Khẩn cấp gọi 119. Về nghỉ làm, nghỉ học, hãy theo thông báo của chính quyền địa phương. Trang này không theo dõi và không cần đăng nhập.",
                id: "Dalam keadaan darurat hubungi 119. Untuk libur kerja dan sekolah, ikuti pengumuman pemerintah daerah. Halaman ini tanpa pelacakan dan tanpa login.",
                th: "กรณีฉุกเฉินโทร 119 การหยุดงานและหยุดเรียนให้ยึดตามประกาศของรัฐบาลท้องถิ่น หน้านี้ไม่มีการติดตามและไม่ต้องเข้าสู่ระบบ",
                fil: "Sa emergency, tumawag sa 119. Para sa suspensyon ng trabaho at klase, sundin ang anunsyo ng inyong lokal na pamahalaan. Walang tracking at hindi kailangang mag-login."),
            "public.unavailable": all(
                "暫時無法讀取資料，請稍後再試。", "The information cannot be read right now; please try again shortly.",
                vi: "Tạm thời không đọc được dữ liệu, vui lòng thử lại sau.", id: "Data sementara tidak dapat dibaca; coba lagi nanti.",
                th: "ขณะนี้ไม่สามารถอ่านข้อมูลได้ โปรดลองใหม่อีกครั้ง", fil: "Hindi mabasa ang impormasyon ngayon; subukan muli mamaya."),
            "public.nearMe": all(
                "依離我的距離排列", "Sort by distance from me", vi: "Sắp xếp theo khoảng cách đến tôi", id: "Urutkan menurut jarak dari saya",
                th: "เรียงตามระยะทางจากฉัน", fil: "Ayusin ayon sa layo mula sa akin"),
            "public.nearLocating": all(
                "正在取得您的位置……", "Finding your location…", vi: "Đang xác định vị trí của bạn…", id: "Mencari lokasi Anda…",
                th: "กำลังหาตำแหน่งของคุณ…", fil: "Hinahanap ang iyong lokasyon…"),
            "public.nearDenied": all(
                "無法取得位置（未允許或裝置不支援）。", "Your location is not available (not allowed, or not supported).",
                vi: "Không lấy được vị trí (chưa cho phép hoặc thiết bị không hỗ trợ).", id: "Lokasi tidak tersedia (tidak diizinkan atau tidak didukung).",
                th: "ไม่สามารถระบุตำแหน่งได้ (ไม่ได้อนุญาตหรืออุปกรณ์ไม่รองรับ)", fil: "Hindi makuha ang lokasyon (hindi pinayagan o hindi suportado)."),
            "public.nearDone": all(
                "已依距離排列。您的位置只在這台裝置上使用，不會傳送或儲存。",
                "Sorted by distance. Your location is used on this device only; it is never sent or stored.",
                vi: "Đã sắp xếp theo khoảng cách. Vị trí của bạn chỉ dùng trên thiết bị này, không gửi đi hay lưu lại.",
                id: "Diurutkan menurut jarak. Lokasi Anda hanya dipakai di perangkat ini; tidak dikirim atau disimpan.",
                th: "เรียงตามระยะทางแล้ว ตำแหน่งของคุณใช้บนอุปกรณ์นี้เท่านั้น ไม่ถูกส่งหรือเก็บไว้",
                fil: "Naayos ayon sa layo. Sa device na ito lang ginagamit ang lokasyon mo; hindi ito ipinapadala o iniimbak."),
            "public.nearKm": all("距離約 {km} 公里", "About {km} km away", vi: "Cách khoảng {km} km", id: "Sekitar {km} km", th: "ห่างประมาณ {km} กม.", fil: "Mga {km} km ang layo"),
            "public.nearUnknown": all(
                "此訊息沒有位置", "No position for this report", vi: "Tin này không có vị trí", id: "Laporan ini tanpa lokasi",
                th: "รายงานนี้ไม่มีตำแหน่ง", fil: "Walang lokasyon ang ulat na ito"),
            "public.taiwanTime": all("臺灣時間", "Taiwan time", vi: "giờ Đài Loan", id: "waktu Taiwan", th: "เวลาไต้หวัน", fil: "oras sa Taiwan"),
            // Disaster types (the classifier's vocabulary).
            "type.flood": all("淹水", "Flooding", vi: "Ngập lụt", id: "Banjir", th: "น้ำท่วม", fil: "Baha"),
            "type.landslide": all("坍方/土石流", "Landslide / mudslide", vi: "Sạt lở đất / lũ bùn", id: "Longsor / banjir lumpur", th: "ดินถล่ม / โคลนถล่ม", fil: "Pagguho ng lupa"),
            "type.road_blocked": all("道路中斷", "Road blocked", vi: "Đường bị cắt", id: "Jalan terputus", th: "ถนนถูกตัดขาด", fil: "Sarado ang daan"),
            "type.trapped": all("受困", "People trapped", vi: "Người bị mắc kẹt", id: "Orang terjebak", th: "มีผู้ติดค้าง", fil: "May na-trap"),
            "type.casualty": all("傷亡", "Casualties", vi: "Thương vong", id: "Korban", th: "ผู้บาดเจ็บ/เสียชีวิต", fil: "Mga nasawi o nasugatan"),
            "type.power_outage": all("停電", "Power cut", vi: "Mất điện", id: "Listrik padam", th: "ไฟฟ้าดับ", fil: "Brownout"),
            "type.water_outage": all("停水", "Water cut", vi: "Mất nước", id: "Air mati", th: "น้ำประปาไม่ไหล", fil: "Walang tubig"),
            "type.building_damage": all("建物損壞", "Building damage", vi: "Nhà cửa hư hại", id: "Bangunan rusak", th: "อาคารเสียหาย", fil: "Sirang gusali"),
            "type.tree_down": all("路樹倒塌", "Fallen tree", vi: "Cây đổ", id: "Pohon tumbang", th: "ต้นไม้ล้ม", fil: "Natumbang puno"),
            "type.sign_fallen": all("招牌掉落", "Fallen signboard", vi: "Biển hiệu rơi", id: "Papan reklame jatuh", th: "ป้ายหล่น", fil: "Nahulog na karatula"),
            "type.bridge_damage": all("橋梁受損", "Bridge damage", vi: "Cầu hư hại", id: "Jembatan rusak", th: "สะพานเสียหาย", fil: "Sirang tulay"),
            "type.fire": all("火災", "Fire", vi: "Hỏa hoạn", id: "Kebakaran", th: "ไฟไหม้", fil: "Sunog"),
            "type.earthquake": all("地震", "Earthquake", vi: "Động đất", id: "Gempa bumi", th: "แผ่นดินไหว", fil: "Lindol"),
            "type.evacuation": all("撤離", "Evacuation", vi: "Sơ tán", id: "Evakuasi", th: "การอพยพ", fil: "Paglikas"),
            "type.rescue": all("救援", "Rescue", vi: "Cứu hộ", id: "Penyelamatan", th: "การช่วยเหลือ", fil: "Pagsagip"),
            "type.typhoon": all("颱風", "Typhoon", vi: "Bão", id: "Topan", th: "ไต้ฝุ่น", fil: "Bagyo"),
            // Official sources.
            "kind.cap": all("警戒訊息", "Alert", vi: "Cảnh báo", id: "Peringatan", th: "การแจ้งเตือน", fil: "Babala"),
            "kind.quake": all("地震報告", "Earthquake report", vi: "Báo cáo động đất", id: "Laporan gempa", th: "รายงานแผ่นดินไหว", fil: "Ulat sa lindol"),
            "kind.typhoon": all("颱風", "Typhoon", vi: "Bão", id: "Topan", th: "ไต้ฝุ่น", fil: "Bagyo"),
            "kind.emic": all("災情通報", "Official disaster report", vi: "Báo cáo thiên tai chính thức", id: "Laporan bencana resmi", th: "รายงานภัยพิบัติทางการ", fil: "Opisyal na ulat ng sakuna"),
            "kind.closure": all("停班停課", "Work and school closure", vi: "Nghỉ làm, nghỉ học", id: "Libur kerja dan sekolah", th: "ประกาศหยุดงานหยุดเรียน", fil: "Suspensyon ng trabaho at klase"),
            "kind.warning": all("天氣特報", "Weather warning", vi: "Cảnh báo thời tiết", id: "Peringatan cuaca", th: "ประกาศเตือนสภาพอากาศ", fil: "Babala sa panahon"),
            // Cross-reference verdicts.
            "verdict.corroborated": all("已佐證", "Corroborated", vi: "Đã được xác nhận", id: "Terkonfirmasi", th: "ยืนยันแล้ว", fil: "Napatunayan"),
            "verdict.contradicted": all("與官方矛盾", "Contradicted by officials", vi: "Trái với thông tin chính thức", id: "Bertentangan dengan info resmi", th: "ขัดกับข้อมูลทางการ", fil: "Salungat sa opisyal"),
            "verdict.unconfirmed": all("未證實", "Unconfirmed", vi: "Chưa xác nhận", id: "Belum terkonfirmasi", th: "ยังไม่ยืนยัน", fil: "Hindi pa kumpirmado"),
            // Tipline answers (a person who forwarded a message): the verdict, why, where to read more.
            "tip.verdict.rumour": all(
                "這是已查證的不實訊息，請不要轉傳。", "This has been checked and found false. Please do not forward it.",
                vi: "Tin này đã được kiểm chứng là sai. Xin đừng chuyển tiếp.",
                id: "Pesan ini sudah diperiksa dan terbukti tidak benar. Mohon jangan diteruskan.",
                th: "ข้อความนี้ได้รับการตรวจสอบแล้วว่าเป็นเท็จ โปรดอย่าส่งต่อ",
                fil: "Nasuri na ito at napatunayang mali. Huwag na po itong ipasa."),
            "tip.verdict.contradicted": all(
                "官方資料與這則訊息不符，請以政府公告為準。", "Official information says otherwise. Please follow the government's announcements.",
                vi: "Thông tin chính thức không khớp với tin này. Hãy theo thông báo của chính phủ.",
                id: "Informasi resmi menyatakan lain. Ikuti pengumuman pemerintah.",
                th: "ข้อมูลทางการไม่ตรงกับข้อความนี้ โปรดยึดตามประกาศของรัฐบาล",
                fil: "Iba ang sinasabi ng opisyal na impormasyon. Sundin ang anunsyo ng pamahalaan."),
            "tip.verdict.corroborated": all(
                "這則訊息與官方資料或已查證的災情相符。", "This matches official information or a verified report.",
                vi: "Tin này khớp với thông tin chính thức hoặc tin đã xác minh.",
                id: "Pesan ini sesuai dengan informasi resmi atau laporan terverifikasi.",
                th: "ข้อความนี้ตรงกับข้อมูลทางการหรือรายงานที่ตรวจสอบแล้ว",
                fil: "Tugma ito sa opisyal na impormasyon o sa beripikadong ulat."),
            "tip.verdict.retracted": all(
                "這則訊息曾經發布，但已撤回，請不要再轉傳。", "This was published once but has been withdrawn. Please do not forward it.",
                vi: "Tin này từng được đăng nhưng đã bị rút lại. Xin đừng chuyển tiếp.",
                id: "Pesan ini pernah diterbitkan tetapi sudah ditarik. Mohon jangan diteruskan.",
                th: "ข้อความนี้เคยเผยแพร่แต่ถูกถอนแล้ว โปรดอย่าส่งต่อ",
                fil: "Nailathala ito noon pero binawi na. Huwag na po itong ipasa."),
            "tip.verdict.unverified": all(
                "目前查無相關資料，已記下這則詢問供社群管理員查證；查證前請先不要轉傳，並以政府公告為準。",
                "Nothing is known about this yet. Your question has been noted for the community managers to check; until then, please do not forward it and follow the government's announcements.",
                vi: "Chưa có thông tin về tin này. Câu hỏi của bạn đã được ghi lại để quản trị viên kiểm tra; trong lúc chờ, xin đừng chuyển tiếp và hãy theo thông báo của chính phủ.",
                id: "Belum ada informasi tentang ini. Pertanyaan Anda sudah dicatat untuk diperiksa pengelola komunitas; sementara itu, mohon jangan diteruskan dan ikuti pengumuman pemerintah.",
                th: "ยังไม่มีข้อมูลเรื่องนี้ บันทึกคำถามของคุณไว้ให้ผู้ดูแลชุมชนตรวจสอบแล้ว ระหว่างนี้โปรดอย่าส่งต่อ และยึดตามประกาศของรัฐบาล",
                fil: "Wala pang alam tungkol dito. Naitala ang tanong mo para suriin ng mga tagapamahala ng komunidad; habang hinihintay, huwag muna itong ipasa at sundin ang anunsyo ng pamahalaan."),
            "tip.demand": all(
                "已有 {count} 人詢問這則訊息。", "{count} people have asked about this message.",
                vi: "Đã có {count} người hỏi về tin này.", id: "Sudah {count} orang menanyakan pesan ini.",
                th: "มีผู้ถามถึงข้อความนี้แล้ว {count} คน", fil: "{count} na tao na ang nagtanong tungkol sa mensaheng ito."),
            "tip.deleted": all(
                "已刪除你在這裡留下的 {count} 則詢問紀錄。", "Deleted the {count} question(s) you left here.",
                vi: "Đã xóa {count} câu hỏi bạn đã gửi ở đây.", id: "{count} pertanyaan yang Anda kirim di sini sudah dihapus.",
                th: "ลบคำถามที่คุณส่งไว้ที่นี่แล้ว {count} รายการ", fil: "Nabura na ang {count} tanong na iniwan mo rito."),
            "tip.picture": all(
                "這個帳號能查證文字和圖片（截圖、照片）。請把收到的訊息文字或截圖傳過來。",
                "This account checks text and pictures (screenshots, photos). Please send the message's words or a screenshot.",
                vi: "Tài khoản này kiểm tra được chữ và hình ảnh (ảnh chụp màn hình, ảnh). Xin gửi phần chữ của tin nhắn hoặc ảnh chụp màn hình.",
                id: "Akun ini memeriksa teks dan gambar (tangkapan layar, foto). Mohon kirim teks pesannya atau tangkapan layarnya.",
                th: "บัญชีนี้ตรวจสอบได้ทั้งข้อความและรูปภาพ (ภาพหน้าจอ รูปถ่าย) โปรดส่งข้อความหรือภาพหน้าจอมา",
                fil: "Sinusuri ng account na ito ang teksto at larawan (screenshot, litrato). Pakipadala ang mga salita ng mensahe o ang screenshot."),
            "tip.picture.text": all(
                "〔圖片文字〕", "[Text in the picture] ", vi: "[Chữ trong hình] ", id: "[Teks dalam gambar] ", th: "[ข้อความในรูป] ",
                fil: "[Teksto sa larawan] "),
            "tip.picture.unreadable": all(
                "這張圖片無法讀取（太大或不是支援的格式）。請把圖片裡的文字貼上來，或傳一張截圖。",
                "This picture could not be read (too large, or not a format we read). Please paste the words in it, or send a screenshot.",
                vi: "Không đọc được hình này (quá lớn hoặc định dạng không hỗ trợ). Xin dán phần chữ trong hình, hoặc gửi ảnh chụp màn hình.",
                id: "Gambar ini tidak bisa dibaca (terlalu besar atau formatnya tidak didukung). Mohon tempelkan tulisannya, atau kirim tangkapan layar.",
                th: "อ่านรูปนี้ไม่ได้ (ใหญ่เกินไปหรือไม่ใช่รูปแบบที่รองรับ) โปรดวางข้อความในรูป หรือส่งภาพหน้าจอมา",
                fil: "Hindi mabasa ang larawang ito (masyadong malaki o hindi suportadong format). Pakidikit ang mga salita rito, o magpadala ng screenshot."),
            "tip.why.rumour": all(
                "與已查證的不實訊息相似（{score}）：{claim}", "Similar to a message found false ({score}): {claim}",
                vi: "Giống một tin đã được xác định là sai ({score}): {claim}", id: "Mirip pesan yang terbukti tidak benar ({score}): {claim}",
                th: "คล้ายข้อความที่พบว่าเป็นเท็จ ({score}): {claim}", fil: "Kahawig ng mensaheng napatunayang mali ({score}): {claim}"),
            "tip.why.image": all(
                "圖片與已查證不實訊息的圖片相同", "The picture is the same as one in a message found false",
                vi: "Hình ảnh giống hình trong một tin đã được xác định là sai", id: "Gambarnya sama dengan gambar di pesan yang terbukti tidak benar",
                th: "รูปภาพเหมือนกับรูปในข้อความที่พบว่าเป็นเท็จ", fil: "Kapareho ng larawan sa mensaheng napatunayang mali"),
            "tip.why.approved": all(
                "與已查證的災情相符：{text}", "Matches a verified report: {text}", vi: "Khớp với tin đã xác minh: {text}",
                id: "Sesuai laporan terverifikasi: {text}", th: "ตรงกับรายงานที่ตรวจสอบแล้ว: {text}", fil: "Tugma sa beripikadong ulat: {text}"),
            "tip.why.retracted": all(
                "已撤回的訊息：{text}", "A withdrawn report: {text}", vi: "Tin đã bị rút lại: {text}", id: "Laporan yang ditarik: {text}",
                th: "รายงานที่ถูกถอนแล้ว: {text}", fil: "Binawing ulat: {text}"),
            "tip.why.record": all(
                "官方{kind}：{summary}", "Official {kind}: {summary}", vi: "{kind} chính thức: {summary}", id: "{kind} resmi: {summary}",
                th: "{kind}ทางการ: {summary}", fil: "Opisyal na {kind}: {summary}"),
            "tip.note": all(
                "說明（原文）：{note}", "Note (as written, in Chinese): {note}", vi: "Ghi chú (nguyên văn tiếng Trung): {note}",
                id: "Catatan (asli, bahasa Mandarin): {note}", th: "หมายเหตุ (ต้นฉบับภาษาจีน): {note}", fil: "Tala (orihinal, sa Chinese): {note}"),
            "tip.more": all("更多資訊：{url}", "More: {url}", vi: "Xem thêm: {url}", id: "Selengkapnya: {url}", th: "ดูเพิ่มเติม: {url}", fil: "Higit pa: {url}"),
            // Follow-ups: a person who asks to hear back gets one message when a moderator decides their claim.
            "tip.followup.offer": all(
                "想在查證後收到一次通知，請回覆「通知我」。", "To hear back once this is checked, reply \"notify me\".",
                vi: "Muốn nhận thông báo một lần khi tin được kiểm chứng, hãy trả lời \"notify me\".",
                id: "Untuk diberi tahu sekali setelah diperiksa, balas \"notify me\".",
                th: "หากต้องการรับแจ้งหนึ่งครั้งเมื่อตรวจสอบแล้ว ให้ตอบว่า \"notify me\"",
                fil: "Para maabisuhan nang isang beses kapag nasuri na, sumagot ng \"notify me\"."),
            "tip.followup.ok": all(
                "好的，查證後會通知你一次；之後就刪除你的聯絡方式。", "OK: you will hear back once when it is checked; then your contact is deleted.",
                vi: "Được: bạn sẽ nhận một thông báo khi tin được kiểm chứng; sau đó thông tin liên lạc của bạn sẽ bị xóa.",
                id: "Baik: Anda akan diberi tahu sekali setelah diperiksa; lalu kontak Anda dihapus.",
                th: "ได้ คุณจะได้รับแจ้งหนึ่งครั้งเมื่อตรวจสอบแล้ว จากนั้นข้อมูลติดต่อของคุณจะถูกลบ",
                fil: "Sige: aabisuhan ka nang isang beses kapag nasuri na; pagkatapos ay buburahin ang contact mo."),
            "tip.followup.none": all(
                "目前沒有等待查證的詢問可以通知你。", "There is no question of yours waiting to be checked.",
                vi: "Không có câu hỏi nào của bạn đang chờ kiểm chứng.", id: "Tidak ada pertanyaan Anda yang menunggu diperiksa.",
                th: "ไม่มีคำถามของคุณที่รอการตรวจสอบ", fil: "Walang tanong mo na naghihintay masuri."),
            "tip.followup.approved": all(
                "你詢問的訊息，社群管理員查證後認為屬實：「{text}」", "The message you asked about was checked and found true: \"{text}\"",
                vi: "Tin bạn hỏi đã được kiểm chứng là đúng: \"{text}\"", id: "Pesan yang Anda tanyakan sudah diperiksa dan benar: \"{text}\"",
                th: "ข้อความที่คุณถามได้รับการตรวจสอบแล้วว่าเป็นจริง: \"{text}\"", fil: "Nasuri ang mensaheng itinanong mo at totoo ito: \"{text}\""),
            "tip.followup.rejected": all(
                "你詢問的訊息，社群管理員查證後認為不正確或不是災情，請不要轉傳：「{text}」",
                "The message you asked about was checked: it is not correct or not a disaster report. Please do not forward it: \"{text}\"",
                vi: "Tin bạn hỏi đã được kiểm chứng: không đúng hoặc không phải tin thiên tai. Xin đừng chuyển tiếp: \"{text}\"",
                id: "Pesan yang Anda tanyakan sudah diperiksa: tidak benar atau bukan laporan bencana. Mohon jangan diteruskan: \"{text}\"",
                th: "ข้อความที่คุณถามได้รับการตรวจสอบแล้ว: ไม่ถูกต้องหรือไม่ใช่ข่าวภัยพิบัติ โปรดอย่าส่งต่อ: \"{text}\"",
                fil: "Nasuri ang mensaheng itinanong mo: hindi ito tama o hindi ulat ng sakuna. Huwag na po itong ipasa: \"{text}\""),
            // The tipline's web form (`/tip`).
            "tip.form.title": all(
                "查證可疑訊息", "Check a suspicious message", vi: "Kiểm tra tin đáng ngờ", id: "Periksa pesan mencurigakan",
                th: "ตรวจสอบข้อความที่น่าสงสัย", fil: "Suriin ang kahina-hinalang mensahe"),
            "tip.form.intro": all(
                "把收到的訊息貼在下面，我們會比對已查證的不實訊息、官方資料與已核准的災情。不需要帳號，也不會記下你的電話或名字。",
                "Paste a message you received. It is compared with messages found false, official information and verified reports. No account is needed, and your phone number and name are never recorded.",
                vi: "Dán tin bạn nhận được vào đây. Tin sẽ được so sánh với các tin đã xác định là sai, thông tin chính thức và tin đã xác minh. Không cần tài khoản, và không ghi lại số điện thoại hay tên của bạn.",
                id: "Tempel pesan yang Anda terima. Pesan akan dibandingkan dengan pesan yang terbukti tidak benar, informasi resmi, dan laporan terverifikasi. Tanpa akun, dan nomor telepon serta nama Anda tidak pernah dicatat.",
                th: "วางข้อความที่คุณได้รับไว้ด้านล่าง ระบบจะเทียบกับข้อความที่ตรวจสอบแล้วว่าเป็นเท็จ ข้อมูลทางการ และรายงานที่ยืนยันแล้ว ไม่ต้องมีบัญชี และไม่บันทึกเบอร์โทรหรือชื่อของคุณ",
                fil: "Idikit dito ang mensaheng natanggap mo. Ihahambing ito sa mga mensaheng napatunayang mali, opisyal na impormasyon at beripikadong ulat. Walang kailangang account, at hindi kailanman itinatala ang numero o pangalan mo."),
            "tip.form.label": all("訊息內容", "The message", vi: "Nội dung tin", id: "Isi pesan", th: "ข้อความ", fil: "Ang mensahe"),
            "tip.form.picture": all(
                "或一張截圖、照片（可不填）", "Or a screenshot or photo (optional)", vi: "Hoặc một ảnh chụp màn hình, ảnh (không bắt buộc)",
                id: "Atau tangkapan layar atau foto (tidak wajib)", th: "หรือภาพหน้าจอ รูปถ่าย (ไม่บังคับ)", fil: "O isang screenshot o litrato (hindi kailangan)"),
            "tip.form.submit": all("查證", "Check", vi: "Kiểm tra", id: "Periksa", th: "ตรวจสอบ", fil: "Suriin"),
            "tip.form.answer": all("查證結果", "The answer", vi: "Kết quả", id: "Hasil", th: "ผลการตรวจสอบ", fil: "Ang sagot"),
            "tip.form.again": all("查證另一則訊息", "Check another message", vi: "Kiểm tra tin khác", id: "Periksa pesan lain", th: "ตรวจสอบข้อความอื่น", fil: "Sumuri ng ibang mensahe"),
            "tip.form.empty": all(
                "請貼上要查證的訊息，或選一張截圖。", "Please paste the message to check, or choose a screenshot.",
                vi: "Xin dán tin cần kiểm tra, hoặc chọn một ảnh chụp màn hình.", id: "Mohon tempelkan pesan yang ingin diperiksa, atau pilih tangkapan layar.",
                th: "โปรดวางข้อความที่ต้องการตรวจสอบ หรือเลือกภาพหน้าจอ", fil: "Pakidikit ang mensaheng susuriin, o pumili ng screenshot."),
            "tip.form.limit": all(
                "詢問太頻繁，請 {seconds} 秒後再試。", "Too many questions from here; please try again in {seconds} seconds.",
                vi: "Bạn hỏi quá nhiều lần; xin thử lại sau {seconds} giây.", id: "Terlalu banyak pertanyaan; coba lagi dalam {seconds} detik.",
                th: "ถามบ่อยเกินไป โปรดลองใหม่ใน {seconds} วินาที", fil: "Masyadong madalas ang tanong; subukan muli pagkalipas ng {seconds} segundo."),
            "tip.form.expired": all(
                "表單已過期，請重新送出。", "The form expired; please send it again.", vi: "Biểu mẫu đã hết hạn; xin gửi lại.",
                id: "Formulir kedaluwarsa; mohon kirim ulang.", th: "แบบฟอร์มหมดอายุ โปรดส่งอีกครั้ง", fil: "Nag-expire ang form; pakipadala muli."),
            "tip.form.tooLong": all(
                "訊息太長（最多 {limit} 字）。", "The message is too long (at most {limit} characters).", vi: "Tin quá dài (tối đa {limit} ký tự).",
                id: "Pesan terlalu panjang (maksimal {limit} karakter).", th: "ข้อความยาวเกินไป (ไม่เกิน {limit} ตัวอักษร)",
                fil: "Masyadong mahaba ang mensahe (hanggang {limit} titik)."),
        ]
        // Cross-reference explanations (the moderators' app, the CLI): Chinese and English.
        let xref: [String: (String, String)] = [
            "xref.text": ("{text}", "{text}"),
            "xref.nationwide": ("全國", "nationwide"),
            "xref.claim.closure": ("停班停課", "work and school closed"),
            "xref.claim.normal": ("照常上班上課", "work and school as usual"),
            "xref.claim.closed": ("停止上班上課", "work and school closed"),
            "xref.closure.contradicted": (
                "矛盾：貼文稱 {where} {date} {claimed}；{counties} 的官方公告為「{official}」{quote}",
                "contradicted: the post claims {claimed} ({where}) on {date}; the official notice for {counties} says {official}{quote}"),
            "xref.closure.corroborated": (
                "佐證：{counties} {date} 的官方公告為「{official}」{quote}",
                "corroborated: the official notice for {counties} on {date} says {official}{quote}"),
            "xref.closure.partial": (
                "{counties} {date} 的官方公告為部分停班停課{quote}；請確認哪些鄉鎮或時段",
                "official notice for {counties} on {date} is a partial closure{quote}; check which townships or hours"),
            "xref.closure.missing": (
                "事件資料中沒有 {counties} {date} 的官方停班停課公告（貼文稱 {claimed}）",
                "no official closure notice for {counties} on {date} in the incident store (the post claims {claimed})"),
            "xref.closure.noCounty": (
                "貼文稱 {date} {claimed}，但沒有指出縣市：無法與官方公告比對",
                "closure claim ({claimed}) for {date} names no county: cannot check it against official notices"),
            "xref.quake.magnitude": (
                "矛盾：貼文稱規模 {claimed}；氣象署報告 {report} 為 {actual}（{time}）",
                "contradicted: the post claims magnitude {claimed}; CWA report {report} gives {actual} ({time})"),
            "xref.quake.intensity": (
                "矛盾：貼文稱 {county} 震度 {claimed} 級；氣象署報告 {report} 為 {actual}",
                "contradicted: the post claims intensity {claimed} in {county}; CWA report {report} gives {actual} there"),
            "xref.quake.noShaking": ("無感", "no felt shaking"),
            "xref.quake.report": (
                "氣象署地震報告 {report}：規模 {magnitude}，{time}", "CWA earthquake report {report}: magnitude {magnitude} at {time}"),
            "xref.quake.none": (
                "矛盾：貼文稱發生強震；氣象署在 {from} 至 {to} 之間沒有地震報告",
                "contradicted: the post claims a strong earthquake; CWA reports no earthquake between {from} and {to}"),
            "xref.evacuation.none": (
                "矛盾：貼文稱 {place} 發布撤離令；{time} 前後沒有官方警戒要求該地撤離",
                "contradicted: the post reports an evacuation order for {place}; no official alert orders an evacuation there around {time}"),
            "xref.record.matches": (
                "官方紀錄 {kind} {id} 相符（分數 {score}）：{summary}", "official record {kind} {id} matches (score {score}): {summary}"),
            "xref.rumour.matches": (
                "與已知謠言 #{id} 相似（相似度 {similarity}；{verdict}{url}）：{claim}",
                "matches known rumour #{id} (similarity {similarity}; {verdict}{url}): {claim}"),
            "xref.rumour.picture": (
                "圖片與已知謠言 #{id} 的圖片相同（相差 {bits}/64 位元；{verdict}{url}）：{claim}",
                "a picture is known rumour #{id}'s picture ({bits}/64 bits apart; {verdict}{url}): {claim}"),
            "xref.none": (
                "此地點與時間找不到官方紀錄（已比對 {n} 筆事件）", "no official record found for this place and time ({n} incidents checked)"),
            "xref.closest": (
                "最接近的官方紀錄分數 {score}，低於門檻 {threshold}：{summary}",
                "closest official record scores {score}, below {threshold}: {summary}"),
            "xref.candidate": ("候選 {kind} {id}（分數 {score}）：{reasons}", "candidate {kind} {id} (score {score}): {reasons}"),
        ]
        for (key, pair) in xref { t[key] = [.zhHant: pair.0, .en: pair.1] }
        for (key, value) in [
            county("臺北市", "Taipei City"), county("新北市", "New Taipei City"), county("基隆市", "Keelung City"),
            county("桃園市", "Taoyuan City"), county("新竹市", "Hsinchu City"), county("新竹縣", "Hsinchu County"),
            county("苗栗縣", "Miaoli County"), county("臺中市", "Taichung City"), county("彰化縣", "Changhua County"),
            county("南投縣", "Nantou County"), county("雲林縣", "Yunlin County"), county("嘉義市", "Chiayi City"),
            county("嘉義縣", "Chiayi County"), county("臺南市", "Tainan City"), county("高雄市", "Kaohsiung City"),
            county("屏東縣", "Pingtung County"), county("宜蘭縣", "Yilan County"), county("花蓮縣", "Hualien County"),
            county("臺東縣", "Taitung County"), county("澎湖縣", "Penghu County"), county("金門縣", "Kinmen County"),
            county("連江縣", "Lienchiang County"),
        ] {
            t[key] = value
        }
        return t
    }()
}
