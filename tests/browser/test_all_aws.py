"""Smoke test of the all-AWS app (`tricloud demo --labels rekognition --store dynamodb`):
Rekognition's labels through the real boto3 client, documents in DynamoDB on moto, the same
page under the production CSP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import demo_csp, open_context
from .flows import (
    TIMES,
    PageLog,
    label_names,
    open_capture,
    sample_photo,
    screenshot,
    upload_and_wait_for_result,
    wait_for_photo,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def all_aws_page(browser: Browser, all_aws_url: str, page_log: PageLog) -> Iterator[Page]:
    """A new tab on the all-AWS demo; fails the test if the page logged an unexpected error."""
    context = open_context(
        browser, all_aws_url, demo_csp(all_aws_url), {"width": 1280, "height": 900}
    )
    tab = context.new_page()
    page_log.attach(tab)
    try:
        yield tab
        page_log.collect_csp_violations(tab)
    finally:
        context.close()
    page_log.assert_clean()


def test_all_aws_upload_result_gallery_and_filter(
    all_aws_page: Page, all_aws_url: str, tmp_path: Path
) -> None:
    page = all_aws_page
    photo = tmp_path / "chelsea.jpg"
    sample_photo("chelsea").save(photo, "JPEG", quality=92)
    open_capture(page, all_aws_url)
    page.locator("#file-input").set_input_files(photo)
    image_id = upload_and_wait_for_result(page)
    wait_for_photo(page)
    screenshot(page, "all-aws-01-result")
    labels = label_names(page)
    assert "Cat" in labels, labels
    expect(page.locator("#image-status")).to_contain_text("Analysis done")
    expect(page.get_by_role("heading", name="Dominant colours")).to_be_visible()
    expect(page.get_by_role("region", name="File")).to_contain_text(f"451 {TIMES} 300 px")

    page.get_by_role("link", name="Back to the gallery").click()
    cards = page.locator("#gallery-grid .card-link")
    expect(cards.first).to_have_attribute("href", f"#/images/{image_id}")
    page.get_by_label("Filter by label").fill("ca")
    page.get_by_role("button", name="Filter").click()
    expect(cards.first).to_have_attribute("href", f"#/images/{image_id}")
    screenshot(page, "all-aws-02-gallery-filtered")
