"""Cost per 1,000 images from measured sizes and durations and public list prices.

Prices are pay-as-you-go list prices for AWS us-east-1, Google Cloud Vision and Azure
Cosmos DB serverless, without free tiers, as recorded on :data:`PRICES_DATE`; check the
providers' pricing pages before budgeting with them. Fixed monthly costs (secrets, alarms,
the site's own files, idle SQS long polling) are not per image and are left out.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from bench.report import Row, Section

__all__ = [
    "PRICES",
    "PRICES_DATE",
    "CostInputs",
    "CostLine",
    "cosmos_write_ru",
    "per_1000",
    "section",
]

PRICES_DATE = "2026-11-26"
GB = 1024**3

#: USD list prices (name → (price, unit)).
PRICES: dict[str, tuple[float, str]] = {
    "lambda_request": (0.20 / 1e6, "request"),
    "lambda_gb_s_arm64": (0.0000133334, "GB-s"),
    "apigw_rest_request": (3.50 / 1e6, "request"),
    "cloudfront_https_request": (0.0100 / 10_000, "request"),
    "cloudfront_out_gb": (0.085, "GB"),
    "s3_put": (0.005 / 1000, "request"),
    "s3_get": (0.0004 / 1000, "request"),
    "s3_storage_gb_month": (0.023, "GB-month"),
    "s3_out_gb": (0.09, "GB"),
    "sqs_request": (0.40 / 1e6, "request"),
    "vision_LABEL_DETECTION": (1.50 / 1000, "unit"),
    "vision_OBJECT_LOCALIZATION": (2.25 / 1000, "unit"),
    # SafeSearch is free when Label Detection is requested for the same image.
    "vision_SAFE_SEARCH_DETECTION": (1.50 / 1000, "unit"),
    "vision_IMAGE_PROPERTIES": (1.50 / 1000, "unit"),
    "dynamodb_write_request_unit": (0.625 / 1e6, "WRU"),
    "cosmos_ru": (0.25 / 1e6, "RU"),
    "cosmos_storage_gb_month": (0.25, "GB-month"),
}

#: Request units, estimated: Microsoft's sizing guidance, not measured (the emulator bills none).
RU_POINT_READ_PER_KB = 1.0
RU_WRITE_PER_KB = 5.5
RU_QUERY_PAGE = 3.0
#: The daily cap: one conditional UpdateItem on the user's and one on the deployment's counter
#: per upload, each item well under 1 KB (one write request unit); TTL deletes are free.
CAP_WRITES_PER_IMAGE = 2
#: SQS: S3 sends one message per upload; Lambda receives and deletes up to 10 per call.
SQS_MESSAGES_PER_CALL = 10


@dataclass(frozen=True)
class CostInputs:
    """What one image costs in requests, bytes and seconds (measured unless noted)."""

    upload_bytes: float
    document_bytes: float
    analyze_s_per_image: float
    analyze_batch: int
    analyze_memory_mb: int
    presign_s: float
    presign_memory_mb: int
    detail_s: float
    detail_memory_mb: int
    list_s: float
    list_memory_mb: int
    polls_per_image: float  # detail requests until the result shows (the page's back-off)
    vision_features: tuple[str, ...]
    gallery_page_size: int
    thumbnail_bytes: float  # analyze's JPEG thumbnail, signed into every list item
    # Assumed: each image shows once as a gallery thumbnail (its URL comes with the list page).
    thumbnails_per_image: float = 1.0
    api_response_bytes: float = 2048.0  # assumed average JSON answer


@dataclass(frozen=True)
class CostLine:
    """One service's cost per 1,000 images and how it was computed."""

    service: str
    usd: float
    basis: str


def cosmos_write_ru(document_bytes: float) -> float:
    """Estimated RUs to upsert a document of this size."""
    return RU_WRITE_PER_KB * max(1, math.ceil(document_bytes / 1024))


def _price(name: str) -> float:
    return PRICES[name][0]


def per_1000(inputs: CostInputs, images: int = 1000) -> list[CostLine]:
    """The cost lines for ``images`` images, then a total line."""
    n = images
    detail_calls = n * inputs.polls_per_image
    list_calls = math.ceil(n * inputs.thumbnails_per_image / inputs.gallery_page_size)
    downloads = n * (1 + inputs.thumbnails_per_image)  # the result view, then the gallery
    api_calls = n + detail_calls + list_calls  # presign + detail + list
    analyze_calls = math.ceil(n / inputs.analyze_batch)
    gb_s = (
        n * inputs.analyze_s_per_image * inputs.analyze_memory_mb
        + n * inputs.presign_s * inputs.presign_memory_mb
        + detail_calls * inputs.detail_s * inputs.detail_memory_mb
        + list_calls * inputs.list_s * inputs.list_memory_mb
    ) / 1024
    lambda_requests = api_calls + analyze_calls
    upload_gb = n * inputs.upload_bytes / GB
    thumbs_gb = n * inputs.thumbnails_per_image * inputs.thumbnail_bytes / GB
    viewed_gb = n * inputs.upload_bytes / GB + thumbs_gb
    sqs_requests = n + 2 * math.ceil(n / SQS_MESSAGES_PER_CALL)
    vision_usd = sum(_vision_unit_price(f, inputs.vision_features) for f in inputs.vision_features)
    write_ru = n * cosmos_write_ru(inputs.document_bytes)
    read_ru = detail_calls * RU_POINT_READ_PER_KB * max(1, math.ceil(inputs.document_bytes / 1024))
    query_ru = list_calls * RU_QUERY_PAGE
    lines = [
        CostLine(
            "Lambda",
            lambda_requests * _price("lambda_request") + gb_s * _price("lambda_gb_s_arm64"),
            f"{lambda_requests:,.0f} requests x {_fmt('lambda_request', 1e6, '/M')} + "
            f"{gb_s:,.1f} GB-s x {_fmt('lambda_gb_s_arm64')} (arm64)",
        ),
        CostLine(
            "API Gateway (REST)",
            api_calls * _price("apigw_rest_request"),
            f"{api_calls:,.0f} requests x {_fmt('apigw_rest_request', 1e6, '/M')}",
        ),
        CostLine(
            "CloudFront",
            api_calls * _price("cloudfront_https_request")
            + api_calls * inputs.api_response_bytes / GB * _price("cloudfront_out_gb"),
            f"{api_calls:,.0f} HTTPS requests x {_fmt('cloudfront_https_request', 1e4, '/10k')} + "
            f"{inputs.api_response_bytes:,.0f} B each x {_fmt('cloudfront_out_gb', 1, '/GB')}",
        ),
        CostLine(
            "S3",
            2 * n * _price("s3_put")
            + (n + downloads) * _price("s3_get")
            + (upload_gb + n * inputs.thumbnail_bytes / GB) * _price("s3_storage_gb_month")
            + viewed_gb * _price("s3_out_gb"),
            f"{2 * n:,} POST/PUT (photo, thumbnail) x {_fmt('s3_put', 1e3, '/1k')}, "
            f"{n + downloads:,.0f} GET x {_fmt('s3_get', 1e3, '/1k')}, "
            f"{upload_gb * 1024:,.0f} MB x 1 month x {_fmt('s3_storage_gb_month', 1, '/GB')}, "
            f"{viewed_gb * 1024:,.0f} MB out x {_fmt('s3_out_gb', 1, '/GB')}",
        ),
        CostLine(
            "SQS",
            sqs_requests * _price("sqs_request"),
            f"{sqs_requests:,} requests x {_fmt('sqs_request', 1e6, '/M')}",
        ),
        CostLine(
            "Cloud Vision",
            n * vision_usd,
            f"{n:,} images x ({_vision_prices(inputs.vision_features)}) per 1k units",
        ),
        CostLine(
            "Cosmos DB serverless",
            (write_ru + read_ru + query_ru) * _price("cosmos_ru")
            + n * inputs.document_bytes / GB * _price("cosmos_storage_gb_month"),
            f"{write_ru + read_ru + query_ru:,.0f} RU (est.) x {_fmt('cosmos_ru', 1e6, '/M')} + "
            f"{n * inputs.document_bytes / 1024**2:,.1f} MB x 1 month x "
            f"{_fmt('cosmos_storage_gb_month', 1, '/GB')}",
        ),
        CostLine(
            "DynamoDB (cap counters)",
            n * CAP_WRITES_PER_IMAGE * _price("dynamodb_write_request_unit"),
            f"{n * CAP_WRITES_PER_IMAGE:,} conditional UpdateItem x 1 WRU x "
            f"{_fmt('dynamodb_write_request_unit', 1e6, '/M')} (on-demand)",
        ),
    ]
    total = sum(line.usd for line in lines)
    return [*lines, CostLine("Total", total, f"per {n:,} images")]


def _fmt(name: str, per: float = 1, label: str = "") -> str:
    """A price from :data:`PRICES` for ``per`` units, e.g. ``$0.20/M``."""
    text = f"{PRICES[name][0] * per:.10f}".rstrip("0")
    if len(text.split(".")[1]) < 2:
        text = f"{float(text):.2f}"
    return f"${text}{label}"


def _vision_unit_price(feature: str, features: tuple[str, ...]) -> float:
    if feature == "SAFE_SEARCH_DETECTION" and "LABEL_DETECTION" in features:
        return 0.0
    return _price(f"vision_{feature}")


def _vision_prices(features: tuple[str, ...]) -> str:
    """E.g. ``LABEL $1.50 + SAFE_SEARCH $0 (free with labels)``."""
    parts = []
    for feature in features:
        short = feature.removesuffix("_DETECTION")
        price = _vision_unit_price(feature, features) * 1000
        parts.append(f"{short} ${price:.2f}")
    return " + ".join(parts)


def section(inputs: CostInputs) -> Section:
    """Rows: one per service and the total, for 1,000 images."""
    name = f"Cost per 1,000 images (list prices of {PRICES_DATE})"
    lines = per_1000(inputs)
    return Section(
        rows=[Row(name, line.service, line.usd, "USD", note=line.basis) for line in lines],
        details={
            "inputs": asdict(inputs),
            "prices_usd": {key: price for key, (price, _unit) in PRICES.items()},
            "lines": [asdict(line) for line in lines],
        },
    )
