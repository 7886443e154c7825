// FakeHttpClient: answers darcy-fetch's requests from a script, the seam for
// testing the controller client against any answer (garbage, 401, 304...).
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "helper/fetch/http_client.h"

namespace darcy::testing {

class FakeHttpClient : public fetch::HttpClient {
 public:
  // Queues the answer to the next request.
  void answer(long status, std::string body, std::string etag = {}) {
    fetch::HttpResponse r;
    r.status = status;
    r.body = SecureString(body.data(), body.size());
    r.etag = std::move(etag);
    answers_.emplace_back(std::move(r));
  }
  void fail(Error e) { answers_.emplace_back(std::move(e)); }

  const std::vector<fetch::HttpRequest>& requests() const { return requests_; }

  Result<fetch::HttpResponse> send(const fetch::HttpRequest& request) override {
    requests_.push_back(request);
    if (answers_.empty()) return Error::Unavailable("no answer scripted");
    Result<fetch::HttpResponse> next = std::move(answers_.front());
    answers_.pop_front();
    return next;
  }

 private:
  std::deque<Result<fetch::HttpResponse>> answers_;
  std::vector<fetch::HttpRequest> requests_;
};

}  // namespace darcy::testing
