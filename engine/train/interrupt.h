// Ctrl-C during training: the first SIGINT/SIGTERM asks the loop to stop after the current
// batch (the last checkpoint stays usable and --resume continues from it); a second one
// exits at once.
#pragma once

namespace msq::train {

void install_interrupt_handler();
bool interrupt_requested();
void clear_interrupt();
void request_interrupt();  // as if Ctrl-C was pressed (tests)

}  // namespace msq::train
