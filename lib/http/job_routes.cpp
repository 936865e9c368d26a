// Livy's programmatic job API under /sessions/{id}: jobs, and files added to
// the session's Spark context (by URI, or uploaded as multipart/form-data).
#include <algorithm>
#include <cstdint>

#include "wire/job_json.h"
#include "model/id_or_name.h"
#include "http/route_util.h"

namespace livy::http {
namespace {

Status job_not_found(const std::string& text) { return Status::not_found("Job '" + text + "' not found."); }

// upload-jar (part `jar`), upload-pyfile and upload-file (part `file`): the
// part named `field` is streamed into the session's directory as it arrives.
void upload(JobRunner& jobs, std::size_t limit, ResourceKind kind, const char* field, const httplib::Request& req,
            httplib::Response& res, const httplib::ContentReader& reader) {
  // Refused or failed half-way, the rest of the body stays unread: the connection cannot serve another request.
  res.set_header("Connection", "close");
  if (!req.is_multipart_form_data()) {
    return fail(res, Status::invalid_argument(std::string("the body must be multipart/form-data with a part named '") +
                                              field + "'"));
  }
  const std::size_t total_limit = limit + std::min(kMultipartOverhead, SIZE_MAX - limit);
  if (req.has_header("Content-Length")) {
    const auto length = parse_int(req.get_header_value("Content-Length"));
    if (!length || *length < 0) return fail(res, Status::invalid_argument("invalid Content-Length"));
    if (static_cast<std::uint64_t>(*length) > total_limit) {
      return fail(res, Status::too_large("the uploaded file is larger than " + std::to_string(limit) +
                                         " bytes (sessions.max-upload-bytes)"));
    }
  }
  const std::string session = req.matches[1].str();
  std::unique_ptr<Upload> file;
  Status failure;
  bool in_file = false, seen = false;
  std::size_t total = 0;
  const bool complete = reader(
      [&](const httplib::MultipartFormData& part) {
        in_file = part.name == field && !seen;
        if (!in_file) return true;
        seen = true;
        auto started = jobs.begin_upload(session, kind, part.filename);
        if (!started) {
          failure = started.status();
          return false;
        }
        file = std::move(*started);
        return true;
      },
      [&](const char* data, std::size_t n) {
        total += n;
        if (total > total_limit) {
          failure = Status::too_large("the uploaded file is larger than " + std::to_string(limit) +
                                      " bytes (sessions.max-upload-bytes)");
          return false;
        }
        if (!in_file) return true;
        failure = file->write(std::string_view(data, n));
        return failure.is_ok();
      });
  if (!failure) return fail(res, failure);
  if (!complete) return fail(res, Status::invalid_argument("the multipart body could not be read"));
  if (!file) {
    return fail(res, Status::invalid_argument(std::string("the multipart body has no part named '") + field + "'"));
  }
  const Status st = file->finish();
  if (!st) return fail(res, st);
  res.headers.erase("Connection");
  reply(res, 200, wire::encode_message("uploaded"));
}

}  // namespace

void mount_jobs(httplib::Server& server, Runtime& runtime) {
  JobRunner& jobs = runtime.jobs();
  const SessionManager& sessions = runtime.sessions();
  const std::size_t body_limit = runtime.config().request_max_bytes;
  const std::size_t upload_limit = runtime.config().upload_max_bytes;

  // submit-job and run-job answer alike: Livy's clients expect SENT from the POST (and only from it).
  const auto submit = [&jobs, &sessions, body_limit](bool run_now) {
    return [&jobs, &sessions, body_limit, run_now](const httplib::Request& req, httplib::Response& res,
                                        const httplib::ContentReader& reader) {
      const auto body = read_body(req, reader, body_limit);
      if (!body) return fail(res, body.status());
      auto request = wire::decode_job_request(*body);
      if (!request) return fail(res, request.status());
      request->run_now = run_now;
      const std::string session = req.matches[1].str();
      const auto job = jobs.submit(session, *request);
      if (!job) return fail(res, job.status());
      res.set_header("Location", session_path(sessions, session) + "/jobs/" + std::to_string(job->id));
      reply(res, 201, wire::encode_job(Job{job->id, JobState::kSent, std::nullopt, std::nullopt}));
    };
  };
  server.Post(route("/sessions/{id}/submit-job"), submit(false));
  server.Post(route("/sessions/{id}/run-job"), submit(true));

  server.Get(route("/sessions/{id}/jobs/{jobid}"), [&jobs](const httplib::Request& req, httplib::Response& res) {
    const auto id = as_id(req.matches[2].str());
    if (!id) return fail(res, job_not_found(req.matches[2].str()));
    const auto job = jobs.get(req.matches[1].str(), *id);
    if (!job) return fail(res, job.status());
    reply(res, 200, wire::encode_job(*job));
  });

  server.Post(route("/sessions/{id}/jobs/{jobid}/cancel"), bodiless([&jobs](const httplib::Request& req,
                                                                   httplib::Response& res) {
    const auto id = as_id(req.matches[2].str());
    if (!id) return fail(res, job_not_found(req.matches[2].str()));
    const Status st = jobs.cancel(req.matches[1].str(), *id);
    if (!st) return fail(res, st);
    reply(res, 200, wire::encode_message("canceled"));
  }));

  const auto add = [&jobs, body_limit](ResourceKind kind) {
    return [&jobs, body_limit, kind](const httplib::Request& req, httplib::Response& res,
                                     const httplib::ContentReader& reader) {
      const auto body = read_body(req, reader, body_limit);
      if (!body) return fail(res, body.status());
      const auto uri = wire::decode_resource_request(*body);
      if (!uri) return fail(res, uri.status());
      const Status st = jobs.add(req.matches[1].str(), kind, *uri);
      if (!st) return fail(res, st);
      reply(res, 200, wire::encode_message("added"));
    };
  };
  server.Post(route("/sessions/{id}/add-jar"), add(ResourceKind::kJar));
  server.Post(route("/sessions/{id}/add-pyfile"), add(ResourceKind::kPyFile));
  server.Post(route("/sessions/{id}/add-file"), add(ResourceKind::kFile));

  // Livy's part names: `jar` for upload-jar, `file` for the other two.
  const auto uploader = [&jobs, upload_limit](ResourceKind kind, const char* field) {
    return [&jobs, upload_limit, kind, field](const httplib::Request& req, httplib::Response& res,
                                              const httplib::ContentReader& reader) {
      upload(jobs, upload_limit, kind, field, req, res, reader);
    };
  };
  server.Post(route("/sessions/{id}/upload-jar"), uploader(ResourceKind::kJar, "jar"));
  server.Post(route("/sessions/{id}/upload-pyfile"), uploader(ResourceKind::kPyFile, "file"));
  server.Post(route("/sessions/{id}/upload-file"), uploader(ResourceKind::kFile, "file"));
}

}  // namespace livy::http
