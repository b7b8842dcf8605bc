from django.urls import path

from outreach import views

app_name = "outreach"

urlpatterns = [
    path("", views.summary, name="summary"),
    # Partner directory
    path("partners/", views.partner_list, name="partner_list"),
    path("partners/new/", views.partner_edit, name="partner_create"),
    path("partners/<int:pk>/", views.partner_detail, name="partner_detail"),
    path("partners/<int:pk>/edit/", views.partner_edit, name="partner_edit"),
    path("partners/<int:pk>/verify/", views.partner_verify, name="partner_verify"),
    path("partners/map/", views.partnership_map, name="partnership_map"),
    path("partners/<int:pk>/relationship/", views.partner_relationship, name="partner_relationship"),
    path("partners/<int:pk>/stage/", views.partner_stage_set, name="partner_stage_set"),
    path("partners/<int:pk>/agreements/", views.partner_agreement_add, name="partner_agreement_add"),
    path("partners/<int:pk>/contacts/", views.partner_contact_add, name="partner_contact_add"),
    path("agreements/<int:pk>/document/", views.agreement_document, name="agreement_document"),
    # Survey builder and results
    path("surveys/", views.survey_list, name="survey_list"),
    path("surveys/new/", views.survey_edit, name="survey_create"),
    path("surveys/<int:pk>/", views.survey_detail, name="survey_detail"),
    path("surveys/<int:pk>/edit/", views.survey_edit, name="survey_edit"),
    path("surveys/<int:survey_pk>/questions/new/", views.question_edit, name="question_create"),
    path("surveys/<int:survey_pk>/questions/<int:pk>/", views.question_edit, name="question_edit"),
    path("surveys/<int:survey_pk>/questions/<int:pk>/delete/", views.question_delete, name="question_delete"),
    path("surveys/<int:survey_pk>/questions/<int:pk>/move/", views.question_move, name="question_move"),
    path("surveys/<int:pk>/results/", views.survey_results, name="survey_results"),
    path("surveys/<int:pk>/results.csv", views.survey_export, name="survey_export"),
    # Public survey pages (no login)
    path("s/<slug:slug>/", views.survey_respond, name="survey_respond"),
    path("s/<slug:slug>/thanks/", views.survey_thanks, name="survey_thanks"),
    # Focus groups
    path("focus-groups/", views.focus_group_list, name="focus_group_list"),
    path("focus-groups/new/", views.focus_group_edit, name="focus_group_create"),
    path("focus-groups/<int:pk>/", views.focus_group_detail, name="focus_group_detail"),
    path("focus-groups/<int:pk>/edit/", views.focus_group_edit, name="focus_group_edit"),
    # Events and leads
    path("events/", views.event_list, name="event_list"),
    path("events/new/", views.event_edit, name="event_create"),
    path("events/<int:pk>/", views.event_detail, name="event_detail"),
    path("events/<int:pk>/edit/", views.event_edit, name="event_edit"),
    path("leads/", views.lead_list, name="lead_list"),
    path("leads/new/", views.lead_edit, name="lead_create"),
    path("leads/<int:pk>/", views.lead_detail, name="lead_detail"),
    path("leads/<int:pk>/edit/", views.lead_edit, name="lead_edit"),
]
