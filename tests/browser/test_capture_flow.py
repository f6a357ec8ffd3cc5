"""The main journey on the offline stack: camera, upload, result, gallery, filter, deep link."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, Route, expect

from .flows import (
    RESULT_TIMEOUT_MS,
    TIMES,
    UUID,
    PageLog,
    label_names,
    open_capture,
    screenshot,
    start_camera,
    upload_and_wait_for_result,
    wait_for_photo,
)

pytestmark = pytest.mark.browser


def test_capture_upload_result_gallery_filter_and_deep_link(page: Page, app_url: str) -> None:
    open_capture(page, app_url)
    screenshot(page, "01-capture-start")

    start_camera(page)
    screenshot(page, "02-camera-live")
    page.get_by_role("button", name="Take photo").click()
    expect(page.get_by_role("button", name="Upload and analyze")).to_be_focused()
    expect(page.get_by_role("img", name=f"Captured photo, 1280 {TIMES} 720 pixels")).to_be_visible()
    screenshot(page, "03-photo-taken")

    image_id = upload_and_wait_for_result(page)
    wait_for_photo(page)
    screenshot(page, "04-result")
    labels = label_names(page)
    assert labels, "the result shows no labels"
    expect(page.locator("#image-status")).to_contain_text("Analysis done")
    expect(page.get_by_role("heading", name="Dominant colours")).to_be_visible()
    expect(page.locator(".swatch").first).to_be_visible()
    facts = page.get_by_role("region", name="File")
    expect(facts).to_contain_text(f"1280 {TIMES} 720 px")
    expect(facts).to_contain_text("image/jpeg")
    expect(facts).to_contain_text(image_id)

    # The new image is the newest in the gallery.
    page.get_by_role("link", name="Back to the gallery").click()
    cards = page.locator("#gallery-grid .card-link")
    expect(cards.first).to_have_attribute("href", f"#/images/{image_id}")
    expect(cards.first).to_contain_text(labels[0])
    expect(page.locator("#gallery-grid .card-photo").first).not_to_have_js_property(
        "naturalWidth", 0
    )
    screenshot(page, "05-gallery")

    # Filtering by its top label keeps it; a label nobody has empties the grid.
    page.get_by_label("Filter by label").fill(labels[0].upper())
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"#/gallery\?label="))
    ours = page.locator(f'#gallery-grid a[href="#/images/{image_id}"]')
    expect(ours.locator("img")).not_to_have_js_property("naturalWidth", 0)
    screenshot(page, "06-gallery-filtered")
    # The start of a word of the label is enough ("tab" finds "tabby cat").
    prefix = labels[0].split()[-1][:3]
    page.get_by_label("Filter by label").fill(prefix)
    page.get_by_role("button", name="Filter").click()
    # Wait for this listing to finish: its route handler sets the field, and typing the next
    # filter before it runs would be overwritten.
    expect(page.locator("#gallery-status")).to_contain_text(f"matching “{prefix}”")
    expect(ours).to_be_visible()
    page.get_by_label("Filter by label").fill("no such label anywhere")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#gallery-status")).to_contain_text("No images with labels matching")
    expect(page.locator("#gallery-grid .card")).to_have_count(0)
    page.get_by_role("button", name="Show all").click()
    expect(cards.first).to_have_attribute("href", f"#/images/{image_id}")

    # The card opens the result, and its link works in a new tab and on reload.
    cards.first.click()
    expect(page.locator(".result")).to_be_visible()
    other = page.context.new_page()
    other.goto(f"{app_url}/#/images/{image_id}")
    expect(other.locator(".result")).to_be_visible()
    other.reload()
    expect(other.locator(".result")).to_be_visible()
    assert label_names(other) == labels
    wait_for_photo(other)
    other.close()


def test_unknown_image_link_says_so(page: Page, app_url: str, page_log: PageLog) -> None:
    page_log.allow(r"status of 400")  # the API's answer to an id that is not a UUID
    page_log.allow(r"status of 404")  # its answer to an id it does not know (asked once)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/api/images/" in r.url else None)
    missing = "00000000-0000-4000-8000-000000000000"
    page.goto(f"{app_url}/#/images/{missing}")
    expect(page.get_by_role("alert")).to_contain_text(f"No image has the id “{missing}”")
    assert asked == [f"{app_url}/api/images/{missing}"]  # no polling of a 404
    page.goto(f"{app_url}/#/images/not-a-uuid")
    expect(page.get_by_role("alert")).to_contain_text("is not a valid image id")
    page.goto(f"{app_url}/#/nowhere")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()


def test_a_malformed_image_link_is_page_not_found(page: Page, app_url: str) -> None:
    # "%E0%A4%A" is a broken percent-escape: decoding it throws, which must not break the page.
    page.goto(f"{app_url}/#/images/%E0%A4%A")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    page.get_by_role("link", name="open the gallery").click()
    expect(page.get_by_role("heading", name="Gallery", level=1)).to_be_visible()


def test_an_upload_done_after_leaving_the_view_leaves_the_user_where_they_are(
    page: Page, app_url: str
) -> None:
    held: list[Route] = []

    def hold_posts(route: Route) -> None:
        if route.request.method == "POST":
            held.append(route)
        else:
            route.continue_()

    # The bucket is another origin than the page: hold the upload until the user has moved on.
    page.route(lambda url: not url.startswith(app_url), hold_posts)
    open_capture(page, app_url)
    start_camera(page)
    page.get_by_role("button", name="Take photo").click()
    with page.expect_request(lambda r: r.method == "POST" and not r.url.startswith(app_url)):
        page.get_by_role("button", name="Upload and analyze").click()
    page.get_by_role("link", name="Gallery", exact=True).click()
    gallery_title = page.get_by_role("heading", name="Gallery", level=1)
    expect(gallery_title).to_be_focused()
    assert len(held) == 1, "the upload was not held"
    held[0].continue_()

    notice = page.locator("#notice")
    expect(notice).to_contain_text("Your photo is uploaded and being analyzed.")
    expect(page).to_have_url(f"{app_url}/#/gallery")
    expect(gallery_title).to_be_focused()
    screenshot(page, "18-upload-done-elsewhere")
    notice.get_by_role("link", name="See its result").click()
    expect(page).to_have_url(re.compile(rf"#/images/{UUID}$"))
    expect(page.locator(".result")).to_be_visible(timeout=RESULT_TIMEOUT_MS)
    expect(notice).to_be_hidden()
