// The embeddable core of livyd in one include.
#pragma once

#include "livy/batch.h"
#include "livy/batch_manager.h"
#include "livy/clock.h"
#include "livy/config.h"
#include "livy/job.h"
#include "livy/job_runner.h"
#include "livy/log.h"
#include "livy/once.h"
#include "livy/process.h"
#include "livy/ref.h"
#include "livy/session.h"
#include "livy/session_manager.h"
#include "livy/runtime.h"
#include "livy/status.h"
#include "livy/version.h"
