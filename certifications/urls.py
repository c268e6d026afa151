from django.urls import path, re_path

from certifications import (
    views,
    views_editor,
    views_mentions,
    views_partners,
    views_referentiel,
)

app_name = "certifications"

urlpatterns = [
    path("", views.referentiel_list, name="referentiel_list"),
    path("certificateurs/", views_mentions.certifier_list, name="certifier_list"),
    path("certificateurs/<uuid:public_id>/", views_mentions.certifier_edit, name="certifier_edit"),
    path("certification/<uuid:public_id>/mentions/", views_mentions.certification_mentions,
         name="certification_mentions"),
    path("certification/<uuid:public_id>/partenaires/", views_partners.partner_list,
         name="partner_list"),
    path("certification/<uuid:public_id>/partenaires/nouveau/", views_partners.partner_new,
         name="partner_new"),
    path("certification/<uuid:public_id>/partenaires/<uuid:partner_id>/",
         views_partners.partner_edit, name="partner_edit"),
    path("certification/<uuid:public_id>/partenaires/<uuid:partner_id>/desactiver/",
         views_partners.partner_deactivate_view, name="partner_deactivate"),
    path("import/", views.import_upload, name="import_upload"),
    re_path(
        r"^import/modele\.(?P<kind>csv|xlsx)$", views.import_template, name="import_template"
    ),
    path("import/<uuid:public_id>/", views.import_preview, name="import_preview"),
    path("import/<uuid:public_id>/<int:index>/", views_editor.import_draft_section,
         name="import_draft_section"),
    path("import/<uuid:public_id>/<int:index>/edit/<slug:kind>/",
         views_editor.import_draft_edit, name="import_draft_edit"),
    path("import/<uuid:public_id>/<int:index>/add/<slug:kind>/",
         views_editor.import_draft_add, name="import_draft_add"),
    path("import/<uuid:public_id>/<int:index>/remove/<slug:kind>/",
         views_editor.import_draft_remove, name="import_draft_remove"),
    path("import/<uuid:public_id>/<int:index>/move/<slug:kind>/",
         views_editor.import_draft_move, name="import_draft_move"),
    path("import/<uuid:public_id>/confirm/", views.import_confirm, name="import_confirm"),
    path("import/<uuid:public_id>/cancel/", views.import_cancel, name="import_cancel"),
    path("import/<uuid:public_id>/result/", views.import_result, name="import_result"),
    path(
        "<uuid:public_id>/export.json", views.referentiel_export_json,
        name="referentiel_export_json",
    ),
    path(
        "<uuid:public_id>/case.json", views.referentiel_export_case,
        name="referentiel_export_case",
    ),
    path("<uuid:public_id>/", views_referentiel.referentiel_detail, name="referentiel_detail"),
    path("<uuid:public_id>/edit/", views_referentiel.referentiel_edit, name="referentiel_edit"),
]
