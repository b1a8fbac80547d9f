"""Words the demo uses: support-content wording, products, legal forms, statuses."""

from __future__ import annotations

# Wording per support-content code, as provinces write it in "Nội dung hỗ trợ" / the project name.
CONTENT_WORDING = {
    "demo_model": [
        "Xây dựng mô hình trình diễn kỹ thuật",
        "Hỗ trợ ứng dụng máy móc thiết bị tiên tiến",
        "Chuyển giao công nghệ",
    ],
    "cleaner_production": ["Hỗ trợ áp dụng sản xuất sạch hơn", "Hỗ trợ xử lý ô nhiễm môi trường"],
    "product_development": ["Hỗ trợ thiết kế mẫu mã, bao bì, nhãn hiệu", "Bình chọn sản phẩm CNNT tiêu biểu"],
    "trade_promotion": ["Tham gia hội chợ, triển lãm", "Hỗ trợ xây dựng phòng trưng bày giới thiệu sản phẩm"],
    "clusters_linkage": ["Hỗ trợ liên kết chuỗi giá trị", "Hỗ trợ quy hoạch cụm công nghiệp"],
    "training_capacity": ["Đào tạo nghề, truyền nghề", "Tập huấn khởi sự doanh nghiệp", "Nâng cao năng lực quản lý"],
    "consulting": ["Tư vấn, trợ giúp cơ sở công nghiệp nông thôn"],
    "information": ["Thông tin tuyên truyền về khuyến công", "Xây dựng chương trình truyền hình khuyến công"],
    "program_management": [
        "Nâng cao năng lực tổ chức thực hiện hoạt động khuyến công",
        "Tập huấn cán bộ làm công tác khuyến công",
    ],
}

PRODUCTS = [
    "bánh pía", "lạp xưởng", "nước mắm", "chè búp", "mây tre đan", "gốm sứ", "dệt thổ cẩm", "cơ khí nông nghiệp",
    "chế biến gạo", "sấy nông sản", "đồ gỗ mỹ nghệ", "bún khô", "tinh bột nghệ", "mật ong", "gạch không nung",
    "thức ăn chăn nuôi", "nước đá", "may mặc", "rượu nếp", "bánh tráng", "chế biến thủy sản", "in bao bì",
]
PLACES = ["Tân Hưng", "Phú Lộc", "Hòa Bình", "An Thạnh", "Long Phú", "Đại Thành", "Minh Khai", "Thuận Hòa",
          "Hưng Lợi", "Tân Cương", "La Hiên", "Đồng Tâm", "Quang Minh", "Thịnh Phát", "Hoàng Gia", "Việt Tiến"]

LEGAL_FORM = {  # name prefix per beneficiary type
    "sme": ["Công ty TNHH", "Công ty CP", "Doanh nghiệp tư nhân"],
    "cooperative": ["HTX"],
    "cooperative_group": ["Tổ hợp tác"],
    "household_business": ["Hộ kinh doanh"],
    "establishment": ["Cơ sở"],
}
TYPE_LABEL = {  # what a "Loại hình" column says
    "sme": ["DNNVV", "Doanh nghiệp nhỏ và vừa"],
    "cooperative": ["HTX", "Hợp tác xã"],
    "cooperative_group": ["THT", "Tổ hợp tác"],
    "household_business": ["HKD", "Hộ kinh doanh"],
    "establishment": ["Cơ sở"],
    "other": ["Khác"],
}
STATUS_LABEL = {
    "completed": ["Hoàn thành", "Đã nghiệm thu"],
    "in_progress": ["Đang thực hiện"],
    "adjusted": ["Điều chỉnh"],
    "stopped": ["Dừng thực hiện"],
}
LEVEL_LABEL = {"national": ["KCQG", "QG", "Quốc gia"], "local": ["KCĐP", "ĐP", "Địa phương"]}

# Fake people for the census's personal-data columns (which must never leave the raw inbox).
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Phan", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
            "Dương", "Lý", "Thạch", "Lâm", "Trương"]
MIDDLE_NAMES = ["Văn", "Thị", "Minh", "Hữu", "Thanh", "Ngọc", "Quốc", "Kim", "Đức", "Thu"]
GIVEN_NAMES = ["An", "Bình", "Cường", "Dũng", "Hoa", "Hùng", "Lan", "Long", "Mai", "Nam", "Phúc", "Sơn", "Tâm",
               "Thảo", "Thủy", "Trung", "Tuấn", "Vinh", "Xuân", "Yến", "Hòa", "Khoa", "Sang", "Thuận"]
OUTPUT_UNITS = {"bánh pía": "cái", "lạp xưởng": "kg", "nước mắm": "lít", "chè búp": "kg", "mây tre đan": "sản phẩm",
                "gốm sứ": "sản phẩm", "dệt thổ cẩm": "m", "cơ khí nông nghiệp": "sản phẩm", "chế biến gạo": "tấn",
                "sấy nông sản": "tấn", "đồ gỗ mỹ nghệ": "sản phẩm", "bún khô": "kg", "tinh bột nghệ": "kg",
                "mật ong": "lít", "gạch không nung": "viên", "thức ăn chăn nuôi": "tấn", "nước đá": "tấn",
                "may mặc": "sản phẩm", "rượu nếp": "lít", "bánh tráng": "kg", "chế biến thủy sản": "tấn",
                "in bao bì": "sản phẩm"}
