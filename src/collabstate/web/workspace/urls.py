"""The analysts' workspace, under ``/workspace/``. Every view is signed-in only and checks the
person's organisation and role (see :mod:`.access`)."""

from django.urls import path

from . import (
    coding_views,
    emails_views,
    exports_views,
    facts_views,
    job_views,
    report_spec_views,
    schedule_views,
    sharing,
    tables_views,
    views,
)

app_name = "workspace"

urlpatterns = [
    path("", views.home, name="home"),
    path("organisations/<slug:org>/waves/new/", views.new_wave, name="new_wave"),
    path("organisations/<slug:org>/members/", views.members, name="members"),
    path("organisations/<slug:org>/members/<int:member>/", views.member, name="member"),
    path("organisations/<slug:org>/members/invite/", views.invite_view, name="invite"),
    path("organisations/<slug:org>/invitations/<int:invitation>/revoke/", views.revoke_view, name="revoke_invitation"),
    path("waves/<int:wave>/", views.wave, name="wave"),
    path("waves/<int:wave>/invitees/", views.invitees, name="invitees"),
    path("waves/<int:wave>/send/", views.send, name="send"),
    path("waves/<int:wave>/schedule/", schedule_views.schedule, name="schedule"),
    path("waves/<int:wave>/schedule/plan/", schedule_views.plan, name="plan_step"),
    path("waves/<int:wave>/schedule/<int:step>/cancel/", schedule_views.cancel, name="cancel_step"),
    path("waves/<int:wave>/emails/", emails_views.emails, name="emails"),
    path("waves/<int:wave>/import/", views.import_responses, name="import"),
    path("waves/<int:wave>/jobs/<int:job>/", job_views.job, name="job"),
    path("waves/<int:wave>/erase/", views.erase, name="erase"),
    path("waves/<int:wave>/known-facts/", facts_views.known_facts_page, name="known_facts"),
    path("waves/<int:wave>/results/", views.live_results, name="results"),
    path("waves/<int:wave>/results/report/", views.results_report, name="results_report"),
    path("waves/<int:wave>/results/download/<slug:what>/", views.download, name="download"),
    path("waves/<int:wave>/results/prepare/<slug:what>/", exports_views.prepare, name="prepare_report"),
    path("waves/<int:wave>/report/edit/", report_spec_views.report_text, name="report_text"),
    path("waves/<int:wave>/report/edit/restore/<int:version>/", report_spec_views.restore_report_text, name="restore_report_text"),
    path("waves/<int:wave>/tables/", tables_views.tables_page, name="tables"),
    path("waves/<int:wave>/tables/download/", tables_views.table_download, name="table_download"),
    path("waves/<int:wave>/tables/save/", tables_views.save_table, name="save_table"),
    path("waves/<int:wave>/tables/<int:table>/download/", tables_views.saved_table_download, name="saved_table_download"),
    path("waves/<int:wave>/tables/<int:table>/report/", tables_views.table_in_report, name="table_in_report"),
    path("waves/<int:wave>/tables/<int:table>/delete/", tables_views.delete_table, name="delete_table"),
    path("waves/<int:wave>/coding/", coding_views.coding_index, name="coding"),
    path("waves/<int:wave>/coding/<slug:question>/", coding_views.coding_question, name="coding_question"),
    path("waves/<int:wave>/coding/<slug:question>/codebook/upload/", coding_views.upload_codebook, name="coding_upload"),
    path("waves/<int:wave>/coding/<slug:question>/codebook/add/", coding_views.add_code, name="coding_add_code"),
    path("waves/<int:wave>/coding/<slug:question>/codebook/download/", coding_views.codebook_download, name="coding_codebook"),
    path("waves/<int:wave>/coding/<slug:question>/code/", coding_views.code_answer, name="coding_code"),
    path("waves/<int:wave>/coding/<slug:question>/primary/", coding_views.primary_coder, name="coding_primary"),
    path("waves/<int:wave>/coding/<slug:question>/codes/download/", coding_views.codes_download, name="coding_codes"),
    path("waves/<int:wave>/shared/", sharing.links_view, name="shared_links"),
    path("waves/<int:wave>/shared/<int:link>/revoke/", sharing.revoke_view, name="revoke_shared_link"),
    path("waves/<int:wave>/exports/", exports_views.exports, name="exports"),
    path("waves/<int:wave>/exports/<int:job>/", exports_views.export_job, name="export_job"),
    path("waves/<int:wave>/exports/<int:job>/download/", exports_views.export_download, name="export_download"),
]
