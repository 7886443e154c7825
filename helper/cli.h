// The docker-credential-darcy command line: the protocol actions Docker calls
// (get, store, erase, list, version) and the operator commands (init, ...).
// main() only hands argv and the standard streams to run().
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace darcy::helper {

// Runs the command named by args[0] (args exclude the program name) and
// returns the process exit code. Protocol actions follow PROTOCOL.md: result
// or one error line on `out`, exit 0 or 1. Warnings go to `err`.
int run(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
        std::ostream& err);

}  // namespace darcy::helper
