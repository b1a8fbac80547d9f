"""What `kc validate` tells a provincial officer, in Vietnamese.

The refresh records its reasons in English (the audit tables, read by the ministry's analysts); an
officer checking a file before sending it reads the same reasons in Vietnamese. Each reason template of
the readers has a pattern here; a reason made of several ("…; …") is translated part by part. A reason no
pattern knows is shown as it is, in English: never reworded by guess.
"""

from __future__ import annotations

import re

_PATTERNS: list[tuple[str, str]] = [
    # numbers and dates (a header, then what is wrong with the cell)
    (
        r"(?P<h>.+?): '(?P<v>.*)' is negative: an amount cannot be below zero",
        r"\g<h>: '\g<v>' là số âm: số tiền không thể nhỏ hơn 0",
    ),
    (
        r"(?P<h>.+?): '(?P<v>.*)' is negative: a count cannot be below zero",
        r"\g<h>: '\g<v>' là số âm: số lượng không thể nhỏ hơn 0",
    ),
    (r"(?P<h>.+?): '(?P<v>.*)' is negative", r"\g<h>: '\g<v>' là số âm"),
    (
        r"(?P<h>.+?): '(?P<v>.*)' is too large to be an amount \(more than (?P<b>[\d,]+)\): check the number and its "
        r"unit",
        r"\g<h>: '\g<v>' quá lớn để là một số tiền (hơn \g<b>): kiểm tra lại con số và đơn vị tính",
    ),
    (
        r"(?P<h>.+?): '(?P<v>.*)' is too large to be a count \(more than (?P<b>[\d,]+)\): check the number and its "
        r"unit",
        r"\g<h>: '\g<v>' quá lớn để là một số lượng (hơn \g<b>): kiểm tra lại con số và đơn vị tính",
    ),
    (
        r"(?P<h>.+?): '(?P<v>.*)' is not a well-formed number \(thousands must be grouped by three\)",
        r"\g<h>: '\g<v>' không phải một số viết đúng (hàng nghìn phải tách theo nhóm ba chữ số)",
    ),
    (r"(?P<h>.+?): '(?P<v>.*)' is not a whole number", r"\g<h>: '\g<v>' không phải số nguyên"),
    (r"(?P<h>.+?): '(?P<v>.*)' is not a number", r"\g<h>: '\g<v>' không phải là số"),
    (
        r"(?P<h>.+?): '(?P<v>.*)' could be Vietnamese or English style and nothing else in the column or sheet tells "
        r"which",
        r"\g<h>: '\g<v>' có thể đọc theo kiểu Việt Nam hoặc kiểu Anh, và không có số nào khác trong cột hay trang "
        r"tính cho "
        r"biết kiểu nào",
    ),
    (
        r"(?P<h>.+?): '(?P<v>.*)' is written in a different number style from the rest of its column",
        r"\g<h>: '\g<v>' được viết theo kiểu số khác với phần còn lại của cột",
    ),
    (
        r"(?P<h>.+?): '(?P<v>.*)' is not a date between (?P<a>\d+) and (?P<b>\d+)",
        r"\g<h>: '\g<v>' không phải ngày trong khoảng \g<a>–\g<b>",
    ),
    (
        r"(?P<h>.+?): '(?P<v>.*)' is not a date, a month, a quarter or a year",
        r"\g<h>: '\g<v>' không phải ngày, tháng, quý hay năm",
    ),
    (r"(?P<h>.+?): '(?P<v>.*)' is not a (valid )?date.*", r"\g<h>: '\g<v>' không phải ngày hợp lệ"),
    (
        r"(?P<h>.+?): '(?P<v>.*)' is not a known value: loaded as '(?P<c>.*)'",
        r"\g<h>: '\g<v>' không phải giá trị đã biết: được nạp là '\g<c>'",
    ),
    (
        r"(?P<h>.+?): a phone or ID number in the text was masked \(\*\*\*\)",
        r"\g<h>: số điện thoại hoặc số CCCD trong văn bản đã được che (***)",
    ),
    # rows
    (
        r"the total \((?P<t>[\d,]+) đồng\) differs from central \+ local \+ contribution \((?P<s>[\d,]+) đồng\) by "
        r"(?P<d>-?[\d,]+) đồng: correct the total or its parts",
        r"tổng kinh phí (\g<t> đồng) khác tổng NSTW + NSĐP + đối ứng (\g<s> đồng) \g<d> đồng: sửa tổng hoặc các phần",
    ),
    (r"no facility name \(code (?P<c>.*)\)", r"không có tên cơ sở (mã \g<c>)"),
    (r"no facility name or code", "không có tên hay mã cơ sở"),
    (r"no facility name", "không có tên cơ sở"),
    (r"no project name or code", "không có tên hay mã đề án"),
    (r"no amount in any money column", "không có số tiền ở cột kinh phí nào"),
    (
        r"no planned projects, approved projects or budget",
        "không có số đề án kế hoạch, số đề án phê duyệt hay kinh phí",
    ),
    (
        r"nothing measured: no output, workers or revenue before or after",
        "không có số liệu đo: không có sản lượng, lao động hay doanh thu trước hoặc sau hỗ trợ",
    ),
    (
        r"programme level '(?P<v>.*)' is neither national \(KCQG\) nor local \(KCĐP\)",
        r"cấp '\g<v>' không phải khuyến công quốc gia (KCQG) hay địa phương (KCĐP)",
    ),
    (
        r"programme level unknown: no level column and no section row above",
        "không rõ cấp: không có cột 'Cấp' và không có dòng mục phía trên",
    ),
    (
        r"no year: not in a column, a section row, the sheet name, the title or the path",
        "không rõ năm: không có ở cột, dòng mục, tên trang tính, tiêu đề hay đường dẫn",
    ),
    (
        r"province not recognised: nothing in the column, title or path",
        "không nhận ra tỉnh: không có ở cột, tiêu đề hay đường dẫn",
    ),
    (r"province not recognised: '(?P<v>.*)'", r"không nhận ra tỉnh: '\g<v>'"),
    (
        r"hidden row: not read \(unhide it if it should count, or delete it\)",
        "dòng bị ẩn: không đọc (bỏ ẩn nếu cần tính, hoặc xoá đi)",
    ),
    # files and sheets
    (r"the workbook is empty \((?P<n>.*)\)", r"tệp không có dữ liệu (\g<n>)"),
    (r"no (?P<t>.+?) in the file \((?P<n>.*)\)", lambda m: f"không tìm thấy bảng dữ liệu trong tệp ({_notes(m['n'])})"),
    (r"sheet '(?P<s>[^']*)': (?P<n>.*)", lambda m: f"trang tính '{m['s']}': {vietnamese(m['n'])}"),
    (
        r"the column '(?P<c>.*)' is read both as (?P<f>\w+) and as a year under (?P<l>.*)",
        r"cột '\g<c>' vừa được đọc là \g<f> vừa là một cột năm dưới \g<l>",
    ),
    (
        r"'(?P<h>.*)' has one column for all the years under (?P<l>.*): which year it counts for would be a guess; "
        r"give it "
        r"one column per year too, or send one row per year",
        r"'\g<h>' chỉ có một cột cho mọi năm dưới \g<l>: không biết số liệu thuộc năm nào; hãy tách thành mỗi năm "
        r"một cột, "
        r"hoặc gửi mỗi năm một dòng",
    ),
    (
        r"the column '(?P<c>.*)' under '(?P<g>.*)' names (?P<n>\d+) years \((?P<y>.*)\): give each column one year",
        r"cột '\g<c>' dưới '\g<g>' ghi \g<n> năm (\g<y>): mỗi cột chỉ ghi một năm",
    ),
    (r"two columns for the same year under '(?P<g>.*)' \((?P<y>.*)\)", r"hai cột cùng một năm dưới '\g<g>' (\g<y>)"),
    (
        r"the columns per year under '(?P<a>.*)' and '(?P<b>.*)' do not cover the same years: give both the same years",
        r"các cột năm dưới '\g<a>' và '\g<b>' không cùng các năm: hãy ghi cùng các năm cho cả hai",
    ),
    (
        r"a year column \('(?P<c>.*)'\) and one column per year under (?P<l>.*): which year a figure counts for "
        r"would be a "
        r"guess; keep one of the two",
        r"vừa có cột năm ('\g<c>') vừa có mỗi năm một cột dưới \g<l>: không biết số liệu thuộc năm nào; giữ một "
        r"trong hai",
    ),
    (
        r"the money columns cannot be assigned: '(?P<c>.*)' and a central or local column \(NSTW/NSĐP\) side by "
        r"side; keep "
        r"one support column with a 'Cấp' column, or separate central and local columns",
        r"không phân được các cột kinh phí: '\g<c>' nằm cạnh cột NSTW/NSĐP; giữ một cột hỗ trợ kèm cột 'Cấp', hoặc "
        r"tách "
        r"riêng cột trung ương và địa phương",
    ),
    (
        r"no column for the state support \(central KCQG / local KCĐP, or one support column with the level\): name "
        r"the "
        r"money columns, for example 'Kinh phí KCQG', 'Kinh phí KCĐP', 'Đối ứng'",
        "không có cột kinh phí nhà nước hỗ trợ (KCQG / KCĐP, hoặc một cột hỗ trợ kèm cấp): hãy đặt tên các cột tiền, "
        "ví dụ 'Kinh phí KCQG', 'Kinh phí KCĐP', 'Đối ứng'",
    ),
    (r"no row could be read: all (?P<n>\d+) rows rejected", r"không đọc được dòng nào: cả \g<n> dòng bị từ chối"),
    (r"the (?P<t>.+?) has no rows", "bảng không có dòng dữ liệu nào"),
    (r"empty sheet", "trang tính trống"),
    (r"hidden sheet, not read", "trang tính bị ẩn, không đọc"),
    (
        r"no (?P<t>.+?) found \(no header row with the expected columns\)",
        "không tìm thấy bảng dữ liệu (không có dòng tiêu đề với các cột cần có)",
    ),
    (
        r"two columns are both read as (?P<f>\w+): '(?P<a>.*)' and '(?P<b>.*)'; keep one, or rename the other",
        r"hai cột cùng được đọc là \g<f>: '\g<a>' và '\g<b>'; giữ một cột, hoặc đổi tên cột kia",
    ),
    (
        r"one column per year under '(?P<g>.*)' \((?P<y>.*)\): the warehouse reads one year per row; send one row per "
        r"year with a 'Năm' column \(or one sheet per year\)",
        r"mỗi năm một cột dưới '\g<g>' (\g<y>): kho dữ liệu đọc mỗi dòng một năm; hãy gửi mỗi năm một dòng với cột "
        r"'Năm' "
        r"(hoặc mỗi năm một trang tính)",
    ),
    (r"the file is empty \(0 bytes\)", "tệp rỗng (0 byte)"),
    (
        r"unsupported file type '(?P<s>.*)' \(expected \.xlsx, \.xls, \.ods or \.csv\)",
        r"loại tệp '\g<s>' không được nhận (cần .xlsx, .xls, .ods hoặc .csv)",
    ),
    (
        r"the workbook is protected with a password(?P<d>.*): save it without a password \(File → Info → Protect "
        r"Workbook\) and send it again",
        r"tệp được đặt mật khẩu\g<d>: lưu lại không có mật khẩu (File → Info → Protect Workbook) rồi gửi lại",
    ),
    (
        r"the file is damaged and cannot be read as a spreadsheet: (?P<e>.*)",
        r"tệp bị hỏng, không đọc được như một bảng tính: \g<e>",
    ),
    (
        r"the file is damaged or incomplete \((?P<w>.*)\): it was probably cut off while being saved or sent; save it "
        r"again and resend it",
        lambda m: (
            f"tệp bị hỏng hoặc không đầy đủ ({_damage(m['w'])}): có thể bị cắt khi lưu hoặc gửi; hãy lưu lại và gửi lại"
        ),
    ),
    (
        r"an Excel binary workbook \(\.xlsb\) is not accepted: save it as \.xlsx and send it again",
        "tệp Excel nhị phân (.xlsb) không được nhận: lưu thành .xlsx rồi gửi lại",
    ),
    (
        r"not a spreadsheet: the file is (?P<w>.+) named '(?P<n>.*)'",
        lambda m: f"không phải bảng tính: tệp '{m['n']}' là {_KINDS.get(m['w'], m['w'])}",
    ),
    (
        r"not a spreadsheet: the file is a web page \(HTML\) named '(?P<n>.*)'; open it in Excel and save it as \.xlsx",
        r"không phải bảng tính: tệp '\g<n>' là một trang web (HTML); mở bằng Excel rồi lưu thành .xlsx",
    ),
    (
        r"not a spreadsheet: '(?P<n>.*)' is a zip archive without a workbook inside; unpack it and send the workbooks",
        r"không phải bảng tính: '\g<n>' là tệp nén zip không có bảng tính bên trong; giải nén rồi gửi các bảng tính",
    ),
    (
        r"not a spreadsheet: '(?P<n>.*)' is neither a workbook nor text \(unknown content; damaged, or another kind of "
        r"file renamed\)",
        r"không phải bảng tính: '\g<n>' không phải bảng tính cũng không phải văn bản (bị hỏng, hoặc "
        r"là loại tệp khác bị đổi tên)",
    ),
    (r"not a CSV text file: it holds binary data", "không phải tệp CSV dạng văn bản: tệp chứa dữ liệu nhị phân"),
    (
        r"refused as a possible zip bomb: the workbook would unpack to (?P<t>.+?) \('(?P<f>.*)' alone (?P<a>.+?)\), "
        r"over "
        r"the limit of (?P<l>.+)",
        r"bị từ chối vì có thể là zip bomb: tệp sẽ giải nén thành \g<t> (riêng '\g<f>' là "
        r"\g<a>), vượt giới hạn \g<l>",
    ),
    (
        r"refused as a possible zip bomb: '(?P<f>.*)' unpacks (?P<r>\d+) times larger than it is packed "
        r"\((?P<a>.+?)\), "
        r"over the limit of (?P<l>.+)",
        r"bị từ chối vì có thể là zip bomb: '\g<f>' giải nén lớn gấp \g<r> lần (\g<a>), "
        r"vượt giới hạn \g<l>",
    ),
    (
        r"sheet '(?P<s>.*)' declares (?P<r>[\d,]+) rows × (?P<c>[\d,]+) columns = (?P<n>[\d,]+) cells, over the "
        r"limit of "
        r"(?P<l>[\d,]+); delete the empty rows and columns below and right of the table",
        r"trang tính '\g<s>' khai báo \g<r> dòng × \g<c> cột = \g<n> ô, vượt giới hạn \g<l>; hãy xoá các dòng và cột "
        r"trống bên dưới và bên phải bảng",
    ),
    (
        r"sheet '(?P<s>.*)' spans (?P<r>[\d,]+) rows × (?P<c>[\d,]+) columns, over the limit of (?P<l>[\d,]+) cells; "
        r"delete the empty rows and columns",
        r"trang tính '\g<s>' trải trên \g<r> dòng × \g<c> cột, vượt giới hạn "
        r"\g<l> ô; hãy xoá các dòng và cột trống",
    ),
    (
        r"the file is (?P<s>[\d.]+ [KMG]iB), over the limit of (?P<l>.+?) for one submission",
        r"tệp nặng \g<s>, vượt giới hạn \g<l> cho một lần gửi",
    ),
    (
        r"the archive has (?P<n>\d+) parts, over the limit of (?P<l>\d+)",
        r"tệp có \g<n> thành phần, vượt giới hạn \g<l>",
    ),
    (
        r"symbolic link that leads nowhere \(missing, or a loop\): not followed",
        "liên kết tượng trưng không dẫn tới đâu (bị thiếu, hoặc vòng lặp): không theo",
    ),
    (
        r"symbolic link that leads outside the raw folder: not followed",
        "liên kết tượng trưng dẫn ra ngoài thư mục nhận tệp: không theo",
    ),
    (r"symbolic link to something that is not a file", "liên kết tượng trưng tới thứ không phải tệp"),
    (
        r"symbolic link to (?P<t>.*): not followed \(send the file itself\)",
        r"liên kết tượng trưng tới \g<t>: không theo (hãy gửi chính tệp đó)",
    ),
    (r"not a file", "không phải tệp"),
    (
        r"reading the file took longer than (?P<s>\d+) s \(limit reader_timeout_seconds\): it is too large, or built "
        r"to "
        r"stall readers",
        r"đọc tệp mất hơn \g<s> giây (giới hạn reader_timeout_seconds): tệp quá lớn, hoặc được tạo để "
        r"làm treo trình đọc",
    ),
    (
        r"the file is nested too deeply to read \(damaged or crafted\)",
        "tệp lồng nhau quá sâu, không đọc được (bị hỏng hoặc cố ý tạo ra)",
    ),
    (
        r"internal error while reading \((?P<e>.*)\); please report it with the file",
        r"lỗi nội bộ khi đọc (\g<e>); xin báo lại kèm theo tệp",
    ),
    (r"no such file", "không có tệp này"),
    (
        r"the file changed while it was being read.*",
        "tệp thay đổi trong khi đang được đọc (có thể vẫn đang được chép hoặc lưu): sẽ đọc lại ở lần làm mới sau",
    ),
]
_KINDS = {
    "a PNG image": "một ảnh PNG",
    "a JPEG image": "một ảnh JPEG",
    "a GIF image": "một ảnh GIF",
    "a PDF document": "một tài liệu PDF",
    "a RAR archive": "một tệp nén RAR",
    "a 7-Zip archive": "một tệp nén 7-Zip",
    "a gzip archive": "một tệp nén gzip",
    "a Windows program": "một chương trình Windows",
    "a program": "một chương trình",
    "an RTF document": "một tài liệu RTF",
    "a TIFF image": "một ảnh TIFF",
    "a text document (Word/Writer)": "một văn bản (Word/Writer)",
    "a presentation": "một bài trình chiếu",
}
_COMPILED = [(re.compile(pattern + r"\Z", re.DOTALL), template) for pattern, template in _PATTERNS]


def vietnamese(reason: str | None) -> str | None:
    """The reason in Vietnamese: whole, else part by part ("a; b"); a part no pattern knows stays as it is."""
    if not reason:
        return reason
    whole = _one(reason)
    if whole is not None:
        return whole
    return "; ".join(_one(part) or part for part in reason.split("; "))


def _one(text: str) -> str | None:
    for pattern, template in _COMPILED:
        match = pattern.match(text)
        if match:
            return template(match) if callable(template) else match.expand(template)
    return None


def _notes(text: str) -> str:
    """ "sheet 'A': note; sheet 'B': note", each note translated."""
    return "; ".join(vietnamese(part) for part in re.split(r"; (?=sheet ')", text))


_DAMAGE = [
    (re.compile(p), t)
    for p, t in [
        (r"its zip directory cannot be read: ", "không đọc được mục lục zip: "),
        (r"part '(?P<n>.*)' cannot be unpacked: ", r"không giải nén được phần '\g<n>': "),
        (r"its Office directory cannot be read: ", "không đọc được mục lục Office: "),
        (r"its workbook stream cannot be read: ", "không đọc được luồng dữ liệu bảng tính: "),
    ]
]


def _damage(what: str) -> str:
    """Where a damaged file breaks, in Vietnamese; the library's own words after it are kept as they are."""
    for pattern, template in _DAMAGE:
        match = pattern.match(what)
        if match:
            return match.expand(template) + what[match.end() :]
    return what
