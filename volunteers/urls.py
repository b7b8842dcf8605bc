from django.urls import path

from volunteers import views

app_name = "volunteers"

urlpatterns = [
    # Public
    path("join/", views.signup, name="signup"),
    path("join/thanks/", views.signup_done, name="signup_done"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    # A volunteer's own pages
    path("me/shifts/", views.my_shifts, name="my_shifts"),
    path("me/shifts/open/", views.open_shifts, name="open_shifts"),
    path("me/shifts/<int:pk>/sign-up/", views.shift_sign_up, name="shift_sign_up"),
    path("me/assignments/<int:pk>/cancel/", views.assignment_cancel, name="assignment_cancel"),
    path("me/calendar/reset/", views.calendar_reset, name="calendar_reset"),
    path("me/training/", views.my_training, name="my_training"),
    path(
        "me/training/sessions/<int:pk>/register/",
        views.training_session_register,
        name="training_session_register",
    ),
    path("me/training/modules/<int:pk>/", views.module_detail, name="module_detail"),
    path("me/training/modules/<int:pk>/quiz/", views.quiz_take, name="quiz_take"),
    path("me/training/materials/<int:pk>/", views.lesson_material, name="lesson_material"),
    path("me/onboarding/", views.my_onboarding, name="my_onboarding"),
    path("me/onboarding/shadow/", views.shadow_shift_sign, name="shadow_shift_sign"),
    path("agreements/", views.community_agreements, name="community_agreements"),
    path("agreements/accept/", views.community_agreements_accept, name="community_agreements_accept"),
    path("agreements/publish/", views.community_agreements_publish, name="community_agreements_publish"),
    path("me/profile/", views.my_profile, name="my_profile"),
    path("me/two-factor/", views.two_factor_setup, name="two_factor_setup"),
    path("me/two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
    # Coordinators
    path("", views.volunteer_list, name="volunteer_list"),
    path("review/", views.review_queue, name="review_queue"),
    path("<int:pk>/", views.volunteer_detail, name="volunteer_detail"),
    path("<int:pk>/approve/", views.volunteer_approve, name="volunteer_approve"),
    path("<int:pk>/reject/", views.volunteer_reject, name="volunteer_reject"),
    path("<int:pk>/deactivate/", views.volunteer_deactivate, name="volunteer_deactivate"),
    path("<int:pk>/reactivate/", views.volunteer_reactivate, name="volunteer_reactivate"),
    path("<int:pk>/invite/", views.volunteer_invite_again, name="volunteer_invite_again"),
    path("<int:pk>/notes/", views.volunteer_note_add, name="volunteer_note_add"),
    path("<int:pk>/training/", views.volunteer_completion_add, name="volunteer_completion_add"),
    path("<int:pk>/training/sign-off/", views.competency_sign_off, name="competency_sign_off"),
    path("<int:pk>/training/quiz-reset/", views.quiz_attempts_reset, name="quiz_attempts_reset"),
    path("<int:pk>/onboarding/", views.onboarding_record_add, name="onboarding_record_add"),
    path("onboarding/", views.onboarding_review, name="onboarding_review"),
    path("training/", views.training_overview, name="training_overview"),
    path("training/modules/new/", views.module_create, name="module_create"),
    path("training/modules/<int:pk>/", views.module_edit, name="module_edit"),
    path("training/sessions/new/", views.session_create, name="session_create"),
    path("training/sessions/<int:pk>/", views.training_session_detail, name="training_session_detail"),
    path("shifts/", views.shift_list, name="shift_list"),
    path("shifts/new/", views.shift_create, name="shift_create"),
    path("shifts/<int:pk>/", views.shift_detail, name="shift_detail"),
    path("shifts/<int:pk>/assign/", views.shift_assign, name="shift_assign"),
    path("assignments/<int:pk>/", views.assignment_update, name="assignment_update"),
    path("coverage/", views.coverage, name="coverage"),
]
