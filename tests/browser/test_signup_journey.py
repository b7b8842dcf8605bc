"""A Korean speaker becomes a volunteer from a phone, in headless Chromium against a live server:
they open the sign-up page (their phone is set to English), switch it to Korean, apply; a
coordinator approves them from the review queue; the invitation text (in Korean) carries a
one-time link where they set a password, switching the site to Korean from the menu; they log
in, take an open shift and find it in My shifts, every page in Korean.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from .journey import JOURNEY, PHONE, log_in, new_page, reseed, screenshot_on_failure

pytestmark = JOURNEY

PHONE_NUMBER = "+12025550188"
NEW_PASSWORD = "quiet-harbour-lantern-42"


def test_a_korean_speaker_signs_up_on_a_phone_is_approved_and_takes_a_shift(
    browser, live_server, serial, make_user, settings
):
    from django.utils import timezone

    from hotline import messaging
    from volunteers.models import ShiftAssignment, ShiftRole, Volunteer
    from volunteers.tests.factories import ShiftFactory

    reseed("volunteers")
    settings.SMS_BACKEND = "memory"
    settings.VOLUNTEERS_SMS_SENDER = "hotline.messaging.send_sms"
    settings.PUBLIC_BASE_URL = "https://hotline.example.org"
    settings.VOLUNTEERS_SIGNUP_RATE_PER_HOUR = 10_000  # the shared cache counts every run's sign-up
    messaging.outbox.clear()
    make_user("Coordinator", username="cora")
    starts_at = (timezone.now() + timedelta(days=3)).replace(hour=18, minute=0, second=0, microsecond=0)
    shift = ShiftFactory(role=ShiftRole.RESPONDER, starts_at=starts_at, capacity=2)
    ShiftFactory(role=ShiftRole.DISPATCHER, starts_at=starts_at)  # not a role they asked for
    person = new_page(browser, device=PHONE)
    coordinator = new_page(browser)

    with screenshot_on_failure("signup-journey", person, coordinator):
        # The sign-up page, switched to Korean by its own language links.
        person.goto(f"{live_server.url}/volunteers/join/")
        assert person.text_content("h1") == "Volunteer with the hotline"
        person.get_by_role("link", name="한국어", exact=True).tap()
        person.wait_for_url("**/volunteers/join/?lang=ko")
        assert person.get_attribute("html", "lang") == "ko"
        assert person.text_content("h1") == "핫라인 자원봉사 신청"
        assert person.get_by_label("한국어 (Korean)").is_checked()  # the page's language, ticked

        for field, label, value in (
            ("first_name", "이름", "지민"),
            ("last_name", "성", "김"),
            ("phone", "휴대전화", "(202) 555-0188"),
            ("email", "이메일", "jimin.kim@example.org"),
        ):
            assert person.text_content(f"label[for=id_{field}]").split() == [f"{label}*"]
            person.fill(f"#id_{field}", value)
        person.get_by_label("English").check()
        person.get_by_label("현장 대응자").check()
        person.locator("#id_sms_consent").check()
        person.locator("#id_agreements").check()
        person.get_by_role("button", name="신청하기").tap()
        person.wait_for_selector("h1:has-text('신청해 주셔서 감사합니다!')")

        with serial:
            applicant = Volunteer.objects.get(phone=PHONE_NUMBER)
            assert applicant.status == Volunteer.Status.APPLICANT
            assert applicant.preferred_language == "ko"
            assert sorted(applicant.languages.values_list("code", flat=True)) == ["en", "ko"]

        # A coordinator approves the application from the review queue.
        log_in(coordinator, live_server.url, "cora", next_path="/volunteers/review/")
        card = coordinator.locator(".card", has_text="지민 김")
        assert "jimin.kim@example.org" in card.text_content()
        card.get_by_role("button", name="Approve").click()
        coordinator.wait_for_selector("[role=alert]:has-text('is approved')")

        # The invitation text, in Korean, names the account and carries the one-time link.
        (invitation,) = [entry.body for entry in messaging.outbox if entry.to == PHONE_NUMBER]
        assert "자원봉사자 계정이 준비되었습니다" in invitation
        username = invitation.split("사용자 이름: ")[1].split()[0].rstrip(".")
        link = next(word for word in invitation.split() if word.startswith("https://hotline.example.org/"))

        # The link opens in English (the phone's language); the menu switches the site to Korean.
        person.goto(live_server.url + urlsplit(link).path)
        assert person.text_content("h1") == "Set your password"
        person.get_by_role("button", name="Toggle navigation").tap()
        person.select_option("#language-select", "ko")
        person.wait_for_selector("h1:has-text('비밀번호를 설정하세요')")
        assert person.text_content("label[for=id_new_password2]").split()[-1] == "(확인)*"
        person.fill("#id_new_password1", NEW_PASSWORD)
        person.fill("#id_new_password2", NEW_PASSWORD)
        person.get_by_role("button", name="비밀번호 저장").tap()
        person.wait_for_selector("h1:has-text('비밀번호가 설정되었습니다')")

        # They log in and land on their shifts.
        person.locator("main").get_by_role("link", name="로그인").tap()
        assert person.text_content("h1") == "로그인"
        person.fill("#id_username", username)
        person.fill("#id_password", NEW_PASSWORD)
        person.locator("main").get_by_role("button", name="로그인").tap()
        person.wait_for_url("**/volunteers/me/shifts/")  # a volunteer's home
        assert person.text_content("h1") == "내 근무"
        assert "예정된 근무가 없습니다" in person.text_content("main")

        # Only the responder shift is open to them; they take it.
        person.get_by_role("link", name="신청 가능한 근무 찾기").tap()
        person.wait_for_url("**/volunteers/me/shifts/open/")
        offers = person.locator("main li.list-group-item")
        assert offers.count() == 1
        assert "현장 대응자" in offers.text_content()
        offers.get_by_role("button", name="신청하기").tap()

        # My shifts lists it, in Korean.
        person.wait_for_url("**/volunteers/me/shifts/")
        assert "근무에 신청되었습니다" in person.text_content("[role=alert]")
        booked = person.locator("main ul.list-group li")
        assert booked.count() == 1
        assert "현장 대응자" in booked.text_content()
        assert booked.get_by_role("button", name="신청 취소").is_visible()
        assert person.get_attribute("html", "lang") == "ko"
        person.close()
        coordinator.close()

    volunteer = Volunteer.objects.get(phone=PHONE_NUMBER)
    assert volunteer.status == Volunteer.Status.ACTIVE
    assert volunteer.user.username == username and volunteer.user.check_password(NEW_PASSWORD)
    assert list(volunteer.user.groups.values_list("name", flat=True).order_by("name")) == [
        "Responder",
        "Volunteer",
    ]
    assignment = ShiftAssignment.objects.get(volunteer=volunteer)
    assert assignment.shift == shift and assignment.status == ShiftAssignment.Status.BOOKED
