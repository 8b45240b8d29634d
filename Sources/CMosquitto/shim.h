#ifndef EQUIPWATCH_CMOSQUITTO_SHIM_H
#define EQUIPWATCH_CMOSQUITTO_SHIM_H
#include <mosquitto.h>
#endif
