"""The inventory's pages and API, as `inventory:<name>`."""

from django.urls import path

from inventory.views import api, editions, exports, imports, onboarding, operations, portal, profiles, review
from inventory.views.home import home, key_figures_page
from inventory.views.tables import AggregateTablePage, HeadcountTablePage, MeasureTablePage, OrganisationTablePage

app_name = "inventory"

urlpatterns = [
    path("", home, name="home"),
    path("kerncijfers/", key_figures_page, name="key-figures"),
    path("edities/", editions.edition_list, name="editions"),
    path("edities/publiceren/", editions.edition_publish_view, name="edition-publish"),
    path("edities/<int:pk>/intrekken/", editions.edition_withdraw_view, name="edition-withdraw"),
    path("edities/<int:pk>/volgende/", editions.edition_schedule_view, name="edition-schedule"),
    path("edities/vergelijken/", editions.edition_compare, name="editions-compare"),
    path("api/aggregates/", api.aggregates, name="api-aggregates"),
    path("api/headcounts/", api.headcounts, name="api-headcounts"),
    path("api/schema/", api.schema, name="api-schema"),
    path("exports/", exports.exports, name="exports"),
    path("exports/publication/", exports.publication, name="exports-publication"),
    path("tabellen/tellingen/", HeadcountTablePage.as_view(), name="table-headcounts"),
    path("tabellen/organisaties/", OrganisationTablePage.as_view(), name="table-organisations"),
    path("tabellen/maatregelen/", MeasureTablePage.as_view(), name="table-measures"),
    path("tabellen/aggregaten/", AggregateTablePage.as_view(), name="table-aggregates"),
    path("portaal/<int:organisation_pk>/<int:year>/", portal.portal_form, name="portal-form"),
    path("beheer/aangiften/", review.SubmissionQueue.as_view(), name="review-queue"),
    path("beheer/werking/", operations.operations_page, name="operations"),
    path("beheer/volledigheid/<int:year>/", review.completeness_page, name="completeness"),
    path("beheer/volledigheid/<int:year>/herinneren/", review.completeness_remind, name="completeness-remind"),
    path("beheer/onboarding/<int:year>/", onboarding.onboarding_page, name="onboarding"),
    path("beheer/onboarding/<int:year>/uitnodigen/", onboarding.onboarding_invite, name="onboarding-invite"),
    path("beheer/onboarding/<int:year>/herinneren/", onboarding.onboarding_remind, name="onboarding-remind"),
    path("beheer/aangiften/<int:pk>/", review.review, name="review"),
    path("beheer/aangiften/<int:pk>/<str:step>/", review.review_step, name="review-step"),
    path("beheer/importprofielen/", profiles.profile_list, name="import-profiles"),
    path("beheer/importprofielen/nieuw/", profiles.profile_new, name="import-profile-new"),
    path("beheer/importprofielen/laden/", profiles.profile_load_view, name="import-profile-load"),
    path("beheer/importprofielen/<int:pk>/", profiles.profile_edit, name="import-profile-edit"),
    path("beheer/importprofielen/<int:pk>/export/", profiles.profile_export, name="import-profile-export"),
    path("import/", imports.upload, name="import"),
    path("import/sjabloon/", imports.template, name="import-template"),
    path("import/<uuid:pk>/", imports.job, name="import-job"),
    path("import/<uuid:pk>/status/", imports.job_status, name="import-job-status"),
    path("import/<uuid:pk>/confirm/", imports.job_confirm, name="import-job-confirm"),
    path("import/<uuid:pk>/again/", imports.job_again, name="import-job-again"),
]
